export { coerceValue, parseTimestamp, CoercionError } from './coerce.js';
export { parseMapping, defaultMapping, checkMapping, MappingError, type TopicMapping, type ColumnMapping, type FieldSource } from './mapping.js';
export {
  createRecordDecoder,
  byteSize,
  timestampHeader,
  operationHeader,
  type RecordDecoder,
  type RowOperation,
  type KafkaRecordView,
  type DecoderOptions,
} from './record-decoder.js';

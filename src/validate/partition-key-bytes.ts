import cassandra from 'cassandra-driver';
import type { CqlType, NativeTypeName, TableSchema } from '../cql/index.js';
import { bytesOf, elementsOf, entriesOf, fieldsOf, toBigInt, unexpected } from './driver-values.js';

const { types } = cassandra;

/**
 * The partition key as Cassandra stores it, which orders partitions that share a token (a
 * DecoratedKey compares by token, then by these bytes unsigned): a single column's serialized
 * value, or for a composite key each column as a 2-byte length, the bytes and a 0 byte.
 *
 * @example
 *   partitionKeyBytes(userActivity, row.values) // <Buffer 75 31> for user_id = 'u1'
 */
export function partitionKeyBytes(table: TableSchema, values: ReadonlyMap<string, unknown>): Buffer {
  const parts = table.partitionKey.map((column) => cqlValueBytes(column.type, values.get(column.name)));
  if (parts.length === 1) return parts[0]!;
  return Buffer.concat(parts.flatMap((part) => [uint16(part.length), part, Buffer.of(0)]));
}

/**
 * A value in the CQL binary format (protocol v3 and later), as Cassandra stores it. Null is the
 * empty value. Caveat: a UDT value that lacks trailing fields added by ALTER TYPE is stored shorter
 * than this writes it, as trailing nulls.
 */
export function cqlValueBytes(type: CqlType, value: unknown): Buffer {
  if (value == null) return Buffer.alloc(0);
  switch (type.kind) {
    case 'native':
      return nativeBytes(type.name, value);
    case 'list':
    case 'set': {
      const elements = elementsOf(value, type.kind);
      return Buffer.concat([int32(elements.length), ...elements.flatMap((e) => sized(cqlValueBytes(type.element, e)))]);
    }
    case 'map': {
      const entries = entriesOf(value, 'map');
      return Buffer.concat([int32(entries.length), ...entries.flatMap(([k, v]) => [...sized(cqlValueBytes(type.key, k)), ...sized(cqlValueBytes(type.value, v))])]);
    }
    case 'tuple': {
      const elements = elementsOf(value, 'tuple');
      return Buffer.concat(type.elements.flatMap((elementType, i) => nullableSized(elementType, elements[i])));
    }
    case 'udt': {
      const fields = fieldsOf(value, type.name);
      return Buffer.concat(type.fields.flatMap((field) => nullableSized(field.type, fields[field.name])));
    }
    case 'vector': {
      // Fixed-size elements are concatenated; others each carry an unsigned vint length (VectorType).
      const fixed = fixedSize(type.element) !== undefined;
      const elements = elementsOf(value, 'vector');
      return Buffer.concat(
        elements.flatMap((e) => {
          const bytes = cqlValueBytes(type.element, e);
          return fixed ? [bytes] : [unsignedVInt(bytes.length), bytes];
        }),
      );
    }
  }
}

function nativeBytes(name: NativeTypeName, value: unknown): Buffer {
  switch (name) {
    case 'ascii':
    case 'text':
    case 'varchar':
      if (typeof value === 'string') return Buffer.from(value, 'utf8');
      break;
    case 'boolean':
      if (typeof value === 'boolean') return Buffer.of(value ? 1 : 0);
      break;
    case 'tinyint':
    case 'smallint':
    case 'int':
      if (typeof value === 'number') return signedInt(value, name === 'tinyint' ? 1 : name === 'smallint' ? 2 : 4);
      break;
    case 'bigint':
    case 'counter':
      return int64(toBigInt(value, name));
    case 'varint':
      return twosComplement(toBigInt(value, name));
    case 'float':
    case 'double':
      if (typeof value === 'number') {
        const buffer = Buffer.alloc(name === 'float' ? 4 : 8);
        if (name === 'float') buffer.writeFloatBE(value);
        else buffer.writeDoubleBE(value);
        return buffer;
      }
      break;
    case 'timestamp':
      if (value instanceof Date) return int64(BigInt(value.getTime()));
      break;
    case 'date':
    case 'time':
    case 'duration':
      if (value instanceof types.LocalDate || value instanceof types.LocalTime || value instanceof types.Duration) return value.toBuffer();
      break;
    case 'uuid':
    case 'timeuuid':
      if (value instanceof types.Uuid) return value.getBuffer();
      break;
    case 'inet':
      if (value instanceof types.InetAddress) return value.getBuffer();
      break;
    case 'decimal':
      if (value instanceof types.BigDecimal) return types.BigDecimal.toBuffer(value);
      break;
    case 'blob':
      return Buffer.from(bytesOf(value, name));
  }
  throw unexpected(value, name);
}

/** Bytes per value of the types Cassandra serializes at a fixed length; undefined for the others. */
function fixedSize(type: CqlType): number | undefined {
  if (type.kind === 'vector') {
    const element = fixedSize(type.element);
    return element === undefined ? undefined : element * type.dimension;
  }
  if (type.kind !== 'native') return undefined;
  const sizes: Partial<Record<NativeTypeName, number>> = {
    boolean: 1, tinyint: 1, smallint: 2, int: 4, float: 4, date: 4,
    bigint: 8, counter: 8, double: 8, timestamp: 8, time: 8, uuid: 16, timeuuid: 16,
  };
  return sizes[type.name];
}

function sized(bytes: Buffer): Buffer[] {
  return [int32(bytes.length), bytes];
}

/** A tuple component or UDT field: length -1 for null. */
function nullableSized(type: CqlType, value: unknown): Buffer[] {
  return value == null ? [int32(-1)] : sized(cqlValueBytes(type, value));
}

function signedInt(value: number, size: 1 | 2 | 4): Buffer {
  const buffer = Buffer.alloc(size);
  buffer.writeIntBE(value, 0, size);
  return buffer;
}

function int32(value: number): Buffer {
  return signedInt(value, 4);
}

function uint16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16BE(value);
  return buffer;
}

function int64(value: bigint): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigInt64BE(value);
  return buffer;
}

/** Minimal big-endian two's complement, as Java's BigInteger.toByteArray (IntegerType). */
function twosComplement(value: bigint): Buffer {
  const bytes: number[] = [];
  let rest = value;
  for (;;) {
    bytes.unshift(Number(rest & 0xffn));
    rest >>= 8n;
    const signBitSet = (bytes[0]! & 0x80) !== 0;
    if ((rest === 0n && !signBitSet) || (rest === -1n && signBitSet)) return Buffer.from(bytes);
  }
}

/** Cassandra's unsigned vint: as many leading 1 bits in the first byte as bytes follow it. */
function unsignedVInt(value: number): Buffer {
  let extra = 0;
  while (extra < 8 && value >= 2 ** (7 * (extra + 1))) extra += 1;
  const buffer = Buffer.alloc(extra + 1);
  let rest = BigInt(value);
  for (let i = extra; i >= 0; i--) {
    buffer[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  buffer[0] = buffer[0]! | ((0xff << (8 - extra)) & 0xff);
  return buffer;
}

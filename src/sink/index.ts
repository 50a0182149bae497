export { runSinkWorker, consumerGroupOf, type SinkWorkerOptions } from './sink-worker.js';
export { schemaRecheckIntervalMs } from './topic-routes.js';
export { CqlDestination, destinationNames, keyspacesRowLimitBytes, warnExtraListCopiesKept, warnListGuardUnavailable, type Destination, type DestinationName } from './cql-destination.js';
export { SinkCounters, sinkStates, type SinkState } from './sink-counters.js';
export { countDeadLetters, deadLetterHeaders, deadLetterLagOptions, deadLetterTopicOf, deadLetterTopicSettings, deadLetterReplayGroup, settingsToRaise, type DeadLetterCount } from './dead-letter.js';
export {
  ListWriteTimesReader,
  deleteListElementCql,
  extraCopyIndexes,
  heldListCql,
  holdsExtraCopies,
  listAlreadyWritten,
  listKeyColumns,
  listWriteTimesCql,
  listWriteTimesOf,
  nonFrozenLists,
  rowIdentity,
  writesListElements,
  type HeldList,
  type ListWrite,
  type ListWriteTimes,
} from './list-write-times.js';

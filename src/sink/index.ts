export { runSinkWorker, consumerGroupOf, type SinkWorkerOptions } from './sink-worker.js';
export { schemaRecheckIntervalMs, topicDecoder } from './topic-routes.js';
export { CqlDestination, destinationNames, type Destination, type DestinationName } from './cql-destination.js';
export { SinkCounters, sinkStates, type SinkState } from './sink-counters.js';
export {
  deadLetterHeaders,
  deadLetterReplayGroup,
  deadLetterTopicOf,
  parseDeadLetter,
  publishDeadLetter,
  type DeadLetter,
  type DeadLetterMessage,
  type DeadLetterRecord,
} from './dead-letter.js';
export { countDeadLetters, deadLetterLagOptions, deadLetterTopicSettings, settingsToRaise, type DeadLetterCount } from './dead-letter-topics.js';

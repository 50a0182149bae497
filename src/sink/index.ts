export { runSinkWorker, consumerGroupOf, type SinkWorkerOptions } from './sink-worker.js';
export { schemaRecheckIntervalMs } from './topic-routes.js';
export { CqlDestination, destinationNames, type Destination, type DestinationName } from './cql-destination.js';
export { SinkCounters, sinkStates, type SinkState } from './sink-counters.js';
export { countDeadLetters, deadLetterHeaders, deadLetterLagOptions, deadLetterTopicOf, deadLetterTopicSettings, deadLetterReplayGroup, settingsToRaise, type DeadLetterCount } from './dead-letter.js';

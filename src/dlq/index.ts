export { inspectDeadLetters, undrainedPartitions, type DeadLetterInspection, type InspectOptions } from './dead-letter-topic.js';
export { replayDeadLetters, type ReplayOptions, type ReplaySummary } from './dead-letter-replay.js';

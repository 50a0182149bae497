export { ensureTopics, fetchMaxBytesPerPartition, compatibilityPartitioner, isBrokerRefusal, isRecordTooLarge, isUnparsableResponse, retryWhileKafkaIsAway } from './kafka-clients.js';
export { maxConsumerRestarts, withConsumerReplacement, type ConsumerReplacementOptions } from './consumer-replacement.js';
export { consumerGroupLag, groupLag, statusConnection, type PartitionLag, type GroupLagOptions, type OffsetClients } from './consumer-lag.js';
export { readPartitionSlices, type PartitionSlice, type ReadRecord } from './partition-reader.js';
export { describeTopicConfigs, keepForever, setTopicConfigs } from './topic-configs.js';
export { subscribedRoundRobinAssigner } from './subscription-assigner.js';
export { OffsetTracker } from './offset-tracker.js';
export { OffsetCommitter } from './offset-committer.js';
export { InFlightWindow } from './in-flight-window.js';

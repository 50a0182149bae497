export { ensureTopics, fetchMaxBytesPerPartition, compatibilityPartitioner, isBrokerRefusal, isKafkaClientError, isUnparsableResponse, maxConsumerRestarts, retryWhileKafkaIsAway } from './kafka-clients.js';
export { consumerGroupLag, groupLag, statusConnection, type PartitionLag, type GroupLagOptions, type OffsetClients } from './consumer-lag.js';
export { readPartitionSlices, type PartitionSlice, type ReadRecord } from './partition-reader.js';

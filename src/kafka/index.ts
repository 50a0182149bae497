export { ensureTopics, fetchMaxBytesPerPartition, compatibilityPartitioner } from './kafka-clients.js';
export { consumerGroupLag, type PartitionLag } from './consumer-lag.js';

export { ensureTopics, fetchMaxBytesPerPartition, compatibilityPartitioner } from './kafka-clients.js';

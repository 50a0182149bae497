export { loadConfig, parseConfig, localDefaults, defaultConfigFile, type LoadedConfig } from './load.js';
export { redact } from './secrets.js';
export { readPemFile } from './pem-file.js';
export {
  configSchema,
  targetProfiles,
  type TandemConfig,
  type ClusterConfig,
  type KafkaConfig,
  type KafkaSaslConfig,
  type TargetConfig,
  type TopicConfig,
  type SinkConfig,
  type StatusConfig,
  type TargetProfile,
} from './schema.js';

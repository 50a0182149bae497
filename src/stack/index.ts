export { startStack, stopStack, stackStatus, clusterOf, type UpResult, type DownResult, type ServerInfo, type ServerStatus, type StackEvents } from './local-stack.js';
export { stackSpecFromConfig, defaultCacheDir, superuser, serverNames, type StackSpec, type ServerName } from './stack-spec.js';
export { stateFile } from './stack-state.js';
export { cassandraVersion, kafkaVersion } from './artifact-specs.js';
export type { KafkaListenerInfo } from './kafka-security.js';

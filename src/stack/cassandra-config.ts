import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { gcLogOption } from './gc-log.js';

export interface CassandraNodeSpec {
  /** `source`, `source2`… or `target`: also the folder name under the data dir. */
  readonly name: string;
  readonly clusterName: string;
  readonly host: string;
  /** The data center and rack the node reports (GossipingPropertyFileSnitch), as the config's localDataCenter names it. */
  readonly dataCenter: string;
  readonly rack: string;
  /** The node's tokens: one (`0`) for a lone node, its share of a balanced vnode ring otherwise. */
  readonly tokens: readonly string[];
  /** `host:storagePort` of the node every other one first gossips with. */
  readonly seed: string;
  readonly nativePort: number;
  readonly storagePort: number;
  readonly jmxPort: number;
  readonly heapMb: number;
  readonly extraJvmArgs: readonly string[];
  readonly commitlogSync: 'periodic' | 'group';
  /** Folder holding this node's config, data and logs. */
  readonly dir: string;
  /** PEM file with the private key followed by the certificate; client TLS is required when set. */
  readonly tlsKeystore?: string;
  /** Refuse what Amazon Keyspaces refuses (for non-superusers, which is how the service user connects). */
  readonly keyspacesGuardrails: boolean;
}

export function cassandraLogFile(node: CassandraNodeSpec): string {
  return join(node.dir, 'logs', 'system.log');
}

/**
 * A minimal cassandra.yaml for a fast-starting node: its tokens given (so no node bootstraps or
 * streams, and nodes of one ring can start side by side), password auth, everything on loopback.
 */
export function cassandraYaml(node: CassandraNodeSpec): string {
  const config: Record<string, unknown> = {
    cluster_name: node.clusterName,
    num_tokens: node.tokens.length,
    initial_token: node.tokens.join(','),
    partitioner: 'org.apache.cassandra.dht.Murmur3Partitioner',
    auto_bootstrap: false,
    authenticator: 'PasswordAuthenticator',
    authorizer: 'CassandraAuthorizer',
    role_manager: 'CassandraRoleManager',
    network_authorizer: 'AllowAllNetworkAuthorizer',
    data_file_directories: [join(node.dir, 'data')],
    commitlog_directory: join(node.dir, 'commitlog'),
    saved_caches_directory: join(node.dir, 'saved_caches'),
    hints_directory: join(node.dir, 'hints'),
    cdc_raw_directory: join(node.dir, 'cdc_raw'),
    ...(node.commitlogSync === 'group' ? { commitlog_sync: 'group', commitlog_sync_group_window: '5ms' } : { commitlog_sync: 'periodic', commitlog_sync_period: '10000ms' }),
    disk_failure_policy: 'stop',
    commit_failure_policy: 'stop',
    seed_provider: [
      {
        class_name: 'org.apache.cassandra.locator.SimpleSeedProvider',
        parameters: [{ seeds: node.seed }],
      },
    ],
    listen_address: node.host,
    rpc_address: node.host,
    storage_port: node.storagePort,
    start_native_transport: true,
    native_transport_port: node.nativePort,
    // Names the data center as the config does, so NetworkTopologyStrategy DDL naming it runs unchanged.
    endpoint_snitch: 'GossipingPropertyFileSnitch',
    // Two cores serve three servers and the tests: keep background work small.
    concurrent_compactors: 1,
    concurrent_reads: 16,
    concurrent_writes: 32,
    // The source is the cluster being migrated: it may hold what Keyspaces refuses, so assess has something to find.
    materialized_views_enabled: !node.keyspacesGuardrails,
    sasi_indexes_enabled: !node.keyspacesGuardrails,
    user_defined_functions_enabled: !node.keyspacesGuardrails,
  };
  if (node.keyspacesGuardrails) {
    // Guardrails bind non-superusers only, so the stack's own setup (as superuser) is unaffected.
    Object.assign(config, {
      secondary_indexes_enabled: false,
      write_consistency_levels_disallowed: ['ANY', 'ONE', 'TWO', 'THREE', 'QUORUM', 'ALL', 'EACH_QUORUM', 'LOCAL_ONE'],
      read_consistency_levels_disallowed: ['TWO', 'THREE', 'QUORUM', 'ALL', 'EACH_QUORUM'],
      column_value_size_fail_threshold: '1MiB',
    });
  }
  if (node.tlsKeystore) {
    config.client_encryption_options = {
      enabled: true,
      optional: false,
      require_client_auth: false,
      ssl_context_factory: { class_name: 'org.apache.cassandra.security.PEMBasedSslContextFactory' },
      keystore: node.tlsKeystore,
    };
  }
  return stringify(config);
}

/** GossipingPropertyFileSnitch's file, read from the classpath (the node's conf dir). */
export function cassandraRackDc(node: CassandraNodeSpec): string {
  return `dc=${node.dataCenter}\nrack=${node.rack}\n`;
}

export function cassandraLogback(node: CassandraNodeSpec): string {
  return `<configuration scan="false">
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>${cassandraLogFile(node)}</file>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="FILE"/></root>
</configuration>
`;
}

/** The JVM options of Cassandra's own conf/jvm17-server.options that a Java 17 node cannot start without. */
const jvm17ModuleOptions = [
  '-Djdk.attach.allowAttachSelf=true',
  '--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED',
  '--add-exports=java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED',
  '--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED',
  '--add-exports=java.rmi/sun.rmi.server=ALL-UNNAMED',
  '--add-exports=java.sql/java.sql=ALL-UNNAMED',
  '--add-exports=java.base/java.lang.ref=ALL-UNNAMED',
  '--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED',
  '--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED',
  '--add-exports=jdk.attach/sun.tools.attach=ALL-UNNAMED',
  '--add-opens=java.base/java.lang.module=ALL-UNNAMED',
  '--add-opens=java.base/jdk.internal.loader=ALL-UNNAMED',
  '--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED',
  '--add-opens=java.base/jdk.internal.reflect=ALL-UNNAMED',
  '--add-opens=java.base/jdk.internal.math=ALL-UNNAMED',
  '--add-opens=java.base/jdk.internal.module=ALL-UNNAMED',
  '--add-opens=java.base/jdk.internal.util.jar=ALL-UNNAMED',
  '--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED',
  '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
  '--add-opens=java.base/java.io=ALL-UNNAMED',
  '--add-opens=java.base/java.lang.reflect=ALL-UNNAMED',
  '--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED',
  '--add-opens=java.base/java.lang=ALL-UNNAMED',
  '--add-opens=java.base/java.util=ALL-UNNAMED',
  '-Dio.netty.tryReflectionSetAccessible=true',
  '-Dio.netty.allocator.useCacheForAllThreads=true',
  '-Dio.netty.allocator.maxOrder=11',
];

/** Command-line arguments for `java` (after the executable) that start the node in the foreground. */
export function cassandraJavaArgs(node: CassandraNodeSpec, libDir: string, marker: string): string[] {
  const fileUrl = (file: string) => pathToFileURL(file).href;
  return [
    marker,
    `-Xms${node.heapMb}m`,
    `-Xmx${node.heapMb}m`,
    '-Xss256k',
    '-XX:+UseG1GC',
    '-XX:+ParallelRefProcEnabled',
    '-XX:MaxTenuringThreshold=1',
    '-XX:G1RSetUpdatingPauseTimePercent=5',
    '-XX:MaxGCPauseMillis=300',
    '-XX:+PerfDisableSharedMem',
    `-XX:ErrorFile=${join(node.dir, 'logs', 'hs_err_%p.log')}`,
    gcLogOption(join(node.dir, 'logs')),
    '-Djava.net.preferIPv4Stack=true',
    ...jvm17ModuleOptions,
    `-Dcassandra.config=${fileUrl(join(node.dir, 'conf', 'cassandra.yaml'))}`,
    `-Dlogback.configurationFile=${fileUrl(join(node.dir, 'conf', 'logback.xml'))}`,
    `-Dcassandra.logdir=${join(node.dir, 'logs')}`,
    `-Dcassandra.storagedir=${node.dir}`,
    `-Dcassandra.jmx.local.port=${node.jmxPort}`,
    '-Dcassandra-foreground=yes',
    // Every node's tokens are given, so nobody streams: waiting for gossip to settle only delays the start.
    '-Dcassandra.skip_wait_for_gossip_to_settle=0',
    // Otherwise the default `cassandra` role appears ~10 s after start and logins fail until then.
    '-Dcassandra.superuser_setup_delay_ms=0',
    // The value Cassandra 5.0.9 measures for itself here, which otherwise costs ~5 s of CPU at every start.
    '-Dcassandra.memtable.row_overhead_size=180',
    ...node.extraJvmArgs,
    '-cp',
    `${join(node.dir, 'conf')}:${join(libDir, '*')}`,
    'org.apache.cassandra.service.CassandraDaemon',
  ];
}

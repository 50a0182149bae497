/**
 * The server artifacts the local stack runs, pinned. Maven Central has no Cassandra 5 binary
 * tarball, so both servers run from an artifact plus its runtime dependencies on the classpath.
 */
export interface ArtifactSpec {
  /** Folder name in the cache, e.g. `cassandra-5.0.9`. */
  readonly id: string;
  readonly dependencies: readonly { groupId: string; artifactId: string; version: string }[];
}

export const cassandraVersion = '5.0.9';
/** The 4.1 line: @platformatic/kafka 1.x is tested against brokers up to 4.1. */
export const kafkaVersion = '4.1.2';

export const cassandraArtifact: ArtifactSpec = {
  id: `cassandra-${cassandraVersion}`,
  dependencies: [{ groupId: 'org.apache.cassandra', artifactId: 'cassandra-all', version: cassandraVersion }],
};

export const kafkaArtifact: ArtifactSpec = {
  id: `kafka-${kafkaVersion}`,
  dependencies: [
    { groupId: 'org.apache.kafka', artifactId: 'kafka_2.13', version: kafkaVersion },
    // Kafka 4.1 ships log4j-core but no binding for its slf4j 1.7 API: without this the broker logs nothing.
    { groupId: 'org.apache.logging.log4j', artifactId: 'log4j-slf4j-impl', version: '2.25.3' },
  ],
};

import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { SASLOptions } from '@platformatic/kafka';
import { mskIamTokenProvider } from '../aws/index.js';
import { readPemFile, type KafkaConfig } from '../config/index.js';

/**
 * How every Tandem Kafka client reaches the cluster: brokers, TLS and SASL, built once per config
 * from `kafka:` so no command can connect differently from another. Spread into each client's
 * options: `new Admin({ clientId, ...connection.options })`.
 */
export interface KafkaConnection {
  readonly options: {
    readonly bootstrapBrokers: string[];
    readonly tls?: TlsOptions;
    readonly sasl?: SASLOptions;
  };
  /** The settings as they appear in errors: brokers, TLS and SASL mechanism and user, never a secret. */
  readonly settings: KafkaConnectionSettings;
}

export interface KafkaConnectionSettings {
  readonly brokers: readonly string[];
  readonly tls: boolean;
  readonly caFile: string | undefined;
  readonly mutualTls: boolean;
  readonly mechanism: string | undefined;
  readonly username: string | undefined;
  readonly region: string | undefined;
}

const connections = new WeakMap<KafkaConfig, KafkaConnection>();

/** The connection of a config, built on first use (files read, token provider made) and shared after. */
export function kafkaConnection(config: KafkaConfig): KafkaConnection {
  let connection = connections.get(config);
  if (!connection) {
    connection = buildConnection(config);
    connections.set(config, connection);
  }
  return connection;
}

function buildConnection(config: KafkaConfig): KafkaConnection {
  const tlsConfig = config.tls === true ? { rejectUnauthorized: true } : config.tls;
  const tls: TlsOptions | undefined = tlsConfig && {
    rejectUnauthorized: tlsConfig.rejectUnauthorized,
    ...(tlsConfig.caFile ? { ca: [readPemFile(tlsConfig.caFile, 'kafka.tls.caFile', 'the CA that signed the brokers\' certificates')] } : {}),
    ...(tlsConfig.certFile ? { cert: readPemFile(tlsConfig.certFile, 'kafka.tls.certFile', 'the client certificate') } : {}),
    ...(tlsConfig.keyFile ? { key: readPemFile(tlsConfig.keyFile, 'kafka.tls.keyFile', 'the client certificate\'s private key') } : {}),
  };
  const sasl = config.sasl;
  const saslOptions: SASLOptions | undefined =
    sasl === undefined
      ? undefined
      : sasl.mechanism === 'AWS_MSK_IAM'
        ? // Each connection and each re-authentication asks for a token, signed then with the credentials
          // the AWS default chain holds then: a sink running for days follows rotated role credentials.
          { mechanism: 'OAUTHBEARER', token: mskIamTokenProvider({ region: sasl.region }), authBytesValidator: oauthBearerRefusal }
        : { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password };
  return {
    options: { bootstrapBrokers: [...config.brokers], ...(tls ? { tls } : {}), ...(saslOptions ? { sasl: saslOptions } : {}) },
    settings: {
      brokers: config.brokers,
      tls: tls !== undefined,
      caFile: tlsConfig?.caFile,
      mutualTls: tlsConfig?.certFile !== undefined,
      mechanism: sasl?.mechanism,
      username: sasl && 'username' in sasl ? sasl.username : undefined,
      region: sasl && 'region' in sasl ? sasl.region : undefined,
    },
  };
}

/**
 * A broker refuses an OAUTHBEARER token with an error document in the SASL bytes (RFC 7628, e.g.
 * `{"status":"invalid_token"}`), not an error code: unread, the client would go on as if logged in
 * and meet ILLEGAL_SASL_STATE on its next request, which names no reason.
 * (@platformatic/kafka's own jwtValidateAuthenticationBytes calls back twice on a refusal.)
 */
export function oauthBearerRefusal(authBytes: Buffer, callback: (error: Error | null, authBytes?: Buffer) => void): void {
  const text = authBytes.toString('utf8');
  let status: unknown;
  try {
    status = text.length > 0 ? (JSON.parse(text) as { status?: unknown }).status : undefined;
  } catch {
    status = undefined;
  }
  if (typeof status === 'string') {
    callback(Object.assign(new Error(`the broker refused the token (${status})`), { serverErrorMessage: `the token was refused (${status})` }));
    return;
  }
  callback(null, authBytes);
}

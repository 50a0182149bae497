import { isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Admin } from '@platformatic/kafka';
import { KafkaAccessError, TandemError } from '../errors.js';
import { findInErrorChain } from './error-chain.js';
import type { KafkaConnection, KafkaConnectionSettings } from './kafka-connection.js';

interface ChainError {
  code?: unknown;
  apiId?: unknown;
  message?: unknown;
}

/** Node's codes for a certificate the client does not trust (OpenSSL's verify results). */
const untrustedCertificate = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
]);

/** Kafka's answers for a request its ACLs (or MSK's IAM policies) do not allow, and the operation they stand for. */
const authorizationFailures: Record<string, string> = {
  TOPIC_AUTHORIZATION_FAILED: 'topic',
  GROUP_AUTHORIZATION_FAILED: 'consumer group',
  CLUSTER_AUTHORIZATION_FAILED: 'cluster',
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 'transactional id',
};

/**
 * Says, in one line naming the setting to change, why Kafka refused a connection for its security
 * settings; undefined for anything else (an unreachable broker, a timeout), which may pass by waiting.
 */
export function explainKafkaAccessError(error: unknown, settings: KafkaConnectionSettings): KafkaAccessError | undefined {
  const broker = brokerOf(error) ?? settings.brokers.join(', ');
  const find = (test: (e: ChainError) => boolean) => findInErrorChain(error, test) as ChainError | undefined;
  const login = settings.mechanism === 'AWS_MSK_IAM' ? `AWS_MSK_IAM (region ${settings.region})` : `${settings.mechanism} as ${settings.username}`;

  // The token provider's own error (no AWS credentials, say), which the client wraps in its own.
  const ours = find((e) => e instanceof TandemError);
  if (ours instanceof TandemError) return new KafkaAccessError(ours.message, { cause: error, ...(ours.hint ? { hint: ours.hint } : {}) });
  const certificate = find((e) => typeof e.code === 'string' && untrustedCertificate.has(e.code));
  if (certificate) {
    return new KafkaAccessError(`Kafka at ${broker}: its TLS certificate is not trusted (${String(certificate.message)})`, {
      cause: error,
      hint: settings.caFile
        ? `kafka.tls.caFile (${settings.caFile}) must hold the CA that signed the brokers' certificates`
        : 'Set kafka.tls.caFile to the PEM file of the CA that signed the brokers\' certificates (the system CAs are used without it)',
    });
  }
  const hostName = find((e) => e.code === 'ERR_TLS_CERT_ALTNAME_INVALID');
  if (hostName) {
    return new KafkaAccessError(`Kafka at ${broker}: its TLS certificate is for another host name (${String(hostName.message)})`, {
      cause: error,
      hint: 'List the brokers in kafka.brokers by a name their certificates hold (for Amazon MSK, the bootstrap string as the console gives it)',
    });
  }
  if (find((e) => typeof e.message === 'string' && /Broker requires TLS|TLS handshake failed|secure TLS connection was established/.test(e.message))) {
    return settings.tls
      ? new KafkaAccessError(`Kafka at ${broker} does not speak TLS on that port`, {
          cause: error,
          hint: 'Point kafka.brokers at the brokers\' TLS port (Amazon MSK: 9094 for TLS, 9096 for SCRAM, 9098 for IAM), or remove kafka.tls for a plaintext port',
        })
      : new KafkaAccessError(`Kafka at ${broker} expects TLS on that port`, { cause: error, hint: 'Set kafka.tls (e.g. `tls: true`), or point kafka.brokers at a plaintext port' });
  }
  const authentication = find((e) => e.code === 'PLT_KFK_AUTHENTICATION' || e.apiId === 'SASL_AUTHENTICATION_FAILED');
  if (authentication) {
    if (settings.mechanism === undefined) {
      return new KafkaAccessError(`Kafka at ${broker} wants a SASL login on that port`, { cause: error, hint: 'Set kafka.sasl (mechanism and credentials), or point kafka.brokers at a port without SASL' });
    }
    if (find((e) => e.apiId === 'ILLEGAL_SASL_STATE' || e.apiId === 'UNSUPPORTED_SASL_MECHANISM')) {
      return new KafkaAccessError(`Kafka at ${broker} does not take SASL ${settings.mechanism} on that port (kafka.sasl.mechanism)`, {
        cause: error,
        hint: 'Point kafka.brokers at the port of that mechanism (Amazon MSK: 9096 for SCRAM, 9098 for IAM), or change kafka.sasl.mechanism to what the port takes',
      });
    }
    const because = brokerReason(error);
    return new KafkaAccessError(`Kafka at ${broker} refused the SASL login ${login}${because}`, {
      cause: error,
      hint:
        settings.mechanism === 'AWS_MSK_IAM'
          ? 'The token is signed with the credentials of the AWS default chain (environment, profile, instance or task role): check they are valid and not expired, that kafka.sasl.region is the cluster\'s region, and that the identity may kafka-cluster:Connect'
          : 'Check kafka.sasl.username and kafka.sasl.password (and that the user exists for that mechanism)',
    });
  }
  const clientCertificate = find((e) => typeof e.code === 'string' && /ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|HANDSHAKE_FAILURE)$/.test(e.code));
  if (clientCertificate) {
    return settings.mutualTls
      ? new KafkaAccessError(`Kafka at ${broker} refused Tandem's client certificate (${String(clientCertificate.code)})`, {
          cause: error,
          hint: 'kafka.tls.certFile must be signed by a CA the brokers trust (their ssl.truststore), with kafka.tls.keyFile its key',
        })
      : new KafkaAccessError(`Kafka at ${broker} ended the TLS handshake (${String(clientCertificate.code)}): it may want a client certificate`, {
          cause: error,
          hint: 'Set kafka.tls.certFile and kafka.tls.keyFile (mutual TLS, e.g. Amazon MSK\'s TLS client authentication)',
        });
  }
  return undefined;
}

/**
 * The permission Kafka said a request lacked, as one line naming the resource and the grant that
 * allows it; undefined when the error is not an authorization failure.
 */
export function explainKafkaAuthorizationError(error: unknown, operation: { action: string; resource: string; awsAction: string }): KafkaAccessError | undefined {
  const refusal = findInErrorChain(error, (e) => {
    const apiId = (e as ChainError).apiId;
    return typeof apiId === 'string' && Object.hasOwn(authorizationFailures, apiId);
  }) as ChainError | undefined;
  if (!refusal) return undefined;
  const kind = authorizationFailures[refusal.apiId as string]!;
  return new KafkaAccessError(`Kafka refused to ${operation.action} ${operation.resource}: ${String(refusal.apiId)} (not authorized on the ${kind})`, {
    cause: error,
    hint: `Grant it: a Kafka ACL allowing ${operation.action.split(' ')[0]!.toUpperCase()} on the ${kind}, or on Amazon MSK with IAM the ${operation.awsAction} permission; or have an administrator do it${kind === 'topic' ? ' (a topic that exists but may not be described is refused alike: grant DESCRIBE too)' : ''}`,
  });
}

/**
 * A consumer's request its ACLs (or MSK IAM policy) refuse, as one line naming the topics or the
 * group and the grants it lacks; undefined for anything else. Retrying cannot help, so a sink or
 * job stops at once with this rather than restarting its consumer again and again.
 */
export function explainConsumerAuthorizationError(error: unknown, groupId: string): KafkaAccessError | undefined {
  const refusal = findInErrorChain(error, (e) => {
    const apiId = (e as ChainError).apiId;
    return apiId === 'TOPIC_AUTHORIZATION_FAILED' || apiId === 'GROUP_AUTHORIZATION_FAILED';
  }) as ChainError | undefined;
  if (!refusal) return undefined;
  if (refusal.apiId === 'GROUP_AUTHORIZATION_FAILED') {
    return new KafkaAccessError(`Kafka refused consumer group ${groupId}: GROUP_AUTHORIZATION_FAILED`, {
      cause: error,
      hint: 'Grant READ on the group (a Kafka ACL), or on Amazon MSK with IAM kafka-cluster:AlterGroup and kafka-cluster:DescribeGroup on it',
    });
  }
  const topics = deniedTopics(error);
  return new KafkaAccessError(`Kafka refused consumer group ${groupId} access to ${topics.length > 0 ? `topic ${topics.join(', ')}` : 'a topic'}: TOPIC_AUTHORIZATION_FAILED`, {
    cause: error,
    hint: 'Grant DESCRIBE and READ on the topics it reads and WRITE on their dead-letter topics (Kafka ACLs), or on Amazon MSK with IAM kafka-cluster:DescribeTopic, kafka-cluster:ReadData and kafka-cluster:WriteData on them',
  });
}

/** The topics a metadata answer in the error refused (error code 29), by name. */
function deniedTopics(error: unknown): string[] {
  const answer = findInErrorChain(error, (e) => Array.isArray((e as { response?: { topics?: unknown } }).response?.topics)) as
    | { response: { topics: { name?: unknown; errorCode?: unknown }[] } }
    | undefined;
  return (answer?.response.topics ?? []).filter((t) => t.errorCode === 29 && typeof t.name === 'string').map((t) => t.name as string);
}

/**
 * Asks the cluster for its metadata once, without retries, so a command whose settings Kafka
 * refuses says why at once, instead of after its clients' retries (about 75 s for a sink) with a
 * message that names no setting. Anything else (a broker not up yet) is left to those retries.
 */
export async function checkKafkaAccess(connection: KafkaConnection): Promise<void> {
  const admin = new Admin({ clientId: 'tandem-check', ...connection.options, retries: 0, timeout: 15_000 });
  try {
    await admin.metadata({ topics: [] });
  } catch (error) {
    const explained = explainKafkaAccessError(error, connection.settings) ?? (await plaintextOnTlsPort(error, connection.settings));
    if (explained) throw explained;
  } finally {
    await admin.close().catch(() => undefined);
  }
}

/**
 * A TLS port closes a plaintext client's connection without a word, as a broker going away does:
 * only a TLS handshake with it tells the two apart (certificate unchecked: it only asks whether
 * the port speaks TLS, and nothing is sent over it).
 */
async function plaintextOnTlsPort(error: unknown, settings: KafkaConnectionSettings): Promise<KafkaAccessError | undefined> {
  if (settings.tls || !findInErrorChain(error, (e) => e.code === 'PLT_KFK_NETWORK' && (e as ChainError).message === 'Connection closed')) return undefined;
  const broker = settings.brokers[0]!;
  const colon = broker.lastIndexOf(':');
  const host = broker.slice(0, colon).replace(/^\[|\]$/g, '');
  const speaksTls = await new Promise<boolean>((resolve) => {
    const socket = tlsConnect({ host, port: Number(broker.slice(colon + 1)), rejectUnauthorized: false, timeout: 5_000, ...(isIP(host) ? {} : { servername: host }) });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.once('secureConnect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
  if (!speaksTls) return undefined;
  return new KafkaAccessError(`Kafka at ${broker} speaks TLS on that port, and kafka.tls is not set`, {
    cause: error,
    hint: 'Set kafka.tls (e.g. `tls: true`, or `tls: { caFile }`), or point kafka.brokers at a plaintext port',
  });
}

function brokerOf(error: unknown): string | undefined {
  const failed = findInErrorChain(error, (e) => typeof (e as ChainError).message === 'string' && /^Connection to \S+ failed/.test((e as { message: string }).message));
  return failed ? /^Connection to (\S+) failed/.exec((failed as { message: string }).message)?.[1] : undefined;
}

/** The broker's own words, when it gave some (Kafka sends them with SaslAuthenticate's error). */
function brokerReason(error: unknown): string {
  const said = findInErrorChain(error, (e) => {
    const message = (e as { serverErrorMessage?: unknown }).serverErrorMessage;
    return typeof message === 'string' && message.length > 0;
  }) as { serverErrorMessage: string } | undefined;
  return said ? `: ${said.serverErrorMessage}` : '';
}

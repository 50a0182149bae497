package tandem.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerExtensionsValidatorCallback;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerToken;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerTokenCallback;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local stack's stand-in for Amazon MSK's IAM authentication, on an OAUTHBEARER listener.
 *
 * <p>The token is what aws-msk-iam-sasl-signer-js (and AWS's Java and Python signers) send: the
 * base64url, unpadded, of a SigV4 presigned URL
 * {@code https://kafka.<region>.amazonaws.com/?Action=kafka-cluster%3AConnect&X-Amz-...&User-Agent=...}.
 * It is checked as AWS checks a presigned request: the signature recomputed with the secret of the
 * named access key, the credential scope, the validity window and, for session credentials, the
 * session token and its expiry. The keys it knows come from a registry file that `tandem up` writes.
 *
 * <p>JAAS options: {@code region} (the region tokens must be signed for) and
 * {@code credentialsRegistry} (a properties file: {@code <accessKeyId>.secretAccessKey}, and for
 * session credentials {@code <accessKeyId>.sessionToken} and {@code <accessKeyId>.expiration}, an
 * ISO-8601 instant).
 *
 * <p>Kafka also uses the listener's login callback handler for the broker's own login; set to this
 * class, it logs the broker in without a token, as the broker never connects out over this listener.
 */
public class MskIamTokenValidator implements AuthenticateCallbackHandler {
    private static final Logger log = LoggerFactory.getLogger(MskIamTokenValidator.class);

    private static final String SERVICE = "kafka-cluster";
    private static final String ACTION = "kafka-cluster:Connect";
    private static final String ALGORITHM = "AWS4-HMAC-SHA256";
    /** What the signers hash as the payload of the presigned GET: an empty body. */
    private static final String EMPTY_PAYLOAD_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    /** The signers presign for 900 s (less when session credentials expire sooner). */
    private static final long MAX_EXPIRES_SECONDS = 900;
    /** How far a signer's clock may run ahead of the broker's. */
    private static final long MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
    /** The signature itself, and User-Agent, which the signers append after signing. */
    private static final Set<String> UNSIGNED_PARAMETERS = Set.of("X-Amz-Signature", "User-Agent");
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

    private String region;
    private Map<String, KnownKey> keys = Collections.emptyMap();

    private record KnownKey(String secretAccessKey, String sessionToken, Instant expiration) {}

    /** Why a token was refused: the first words of the broker's log line. */
    private static final class Refused extends Exception {
        final String reason;

        Refused(String reason, String detail) {
            super(detail);
            this.reason = reason;
        }
    }

    @Override
    public void configure(Map<String, ?> configs, String saslMechanism, List<AppConfigurationEntry> jaasConfigEntries) {
        if (jaasConfigEntries.size() != 1) {
            throw new IllegalArgumentException("MskIamTokenValidator expects exactly one JAAS login module, got " + jaasConfigEntries.size());
        }
        Map<String, ?> options = jaasConfigEntries.get(0).getOptions();
        region = requiredOption(options, "region");
        keys = readRegistry(Path.of(requiredOption(options, "credentialsRegistry")));
    }

    private static String requiredOption(Map<String, ?> options, String name) {
        Object value = options.get(name);
        if (!(value instanceof String text) || text.isBlank()) {
            throw new IllegalArgumentException("MskIamTokenValidator needs the JAAS option " + name);
        }
        return text;
    }

    private static Map<String, KnownKey> readRegistry(Path file) {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("MskIamTokenValidator cannot read its credentials registry " + file, e);
        }
        Map<String, KnownKey> known = new HashMap<>();
        for (String name : properties.stringPropertyNames()) {
            if (!name.endsWith(".secretAccessKey")) continue;
            String accessKeyId = name.substring(0, name.length() - ".secretAccessKey".length());
            String expiration = properties.getProperty(accessKeyId + ".expiration");
            known.put(accessKeyId, new KnownKey(
                properties.getProperty(name),
                properties.getProperty(accessKeyId + ".sessionToken"),
                expiration == null ? null : Instant.parse(expiration)));
        }
        return Collections.unmodifiableMap(known);
    }

    @Override
    public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
        for (Callback callback : callbacks) {
            if (callback instanceof OAuthBearerValidatorCallback validation) {
                validate(validation);
            } else if (callback instanceof OAuthBearerExtensionsValidatorCallback) {
                // MSK IAM clients send no SASL extensions; any sent are neither accepted nor refused, so ignored.
            } else if (callback instanceof OAuthBearerTokenCallback) {
                // The broker's own login: no token, as with Kafka's default handler given no options.
            } else {
                throw new UnsupportedCallbackException(callback);
            }
        }
    }

    private void validate(OAuthBearerValidatorCallback callback) {
        try {
            callback.token(check(callback.tokenValue(), System.currentTimeMillis()));
        } catch (Refused refused) {
            log.warn("MSK IAM token refused: {}: {}", refused.reason, refused.getMessage());
            callback.error("invalid_token", null, null);
        }
    }

    private OAuthBearerToken check(String tokenValue, long nowMs) throws Refused {
        URI url;
        try {
            url = new URI(new String(Base64.getUrlDecoder().decode(tokenValue), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException | URISyntaxException e) {
            throw new Refused("malformed", "not the base64url of a URL");
        }
        String expectedHost = "kafka." + region + ".amazonaws.com";
        if (!"https".equals(url.getScheme()) || url.getHost() == null || url.getRawQuery() == null) {
            throw new Refused("malformed", "not an https URL with a query");
        }
        if (!url.getHost().startsWith("kafka.") || !url.getHost().endsWith(".amazonaws.com")) {
            throw new Refused("malformed", "host " + url.getHost() + " is not kafka.<region>.amazonaws.com");
        }
        Map<String, String> query = parseQuery(url.getRawQuery());
        String action = query.get("Action");
        if (!ACTION.equals(action)) throw new Refused("wrong action", "Action is " + action + ", not " + ACTION);
        if (!ALGORITHM.equals(query.get("X-Amz-Algorithm"))) throw new Refused("malformed", "X-Amz-Algorithm is not " + ALGORITHM);
        if (!"host".equals(query.get("X-Amz-SignedHeaders"))) throw new Refused("malformed", "X-Amz-SignedHeaders is not host");

        String[] credential = required(query, "X-Amz-Credential").split("/", -1);
        if (credential.length != 5 || !"aws4_request".equals(credential[4])) {
            throw new Refused("malformed", "X-Amz-Credential is not <key>/<date>/<region>/<service>/aws4_request");
        }
        String accessKeyId = credential[0];
        String scopeDate = credential[1];
        String scopeRegion = credential[2];
        if (!expectedHost.equals(url.getHost()) || !region.equals(scopeRegion)) {
            throw new Refused("wrong region", "signed for host " + url.getHost() + " and region " + scopeRegion + ", this cluster is in " + region);
        }
        if (!SERVICE.equals(credential[3])) throw new Refused("wrong service", "signed for service " + credential[3] + ", not " + SERVICE);

        String amzDate = required(query, "X-Amz-Date");
        long signedAtMs;
        try {
            signedAtMs = LocalDateTime.parse(amzDate, AMZ_DATE).toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new Refused("malformed", "X-Amz-Date " + amzDate + " is not yyyyMMddTHHmmssZ");
        }
        if (!scopeDate.equals(amzDate.substring(0, 8))) throw new Refused("malformed", "credential scope date " + scopeDate + " is not the day of X-Amz-Date " + amzDate);
        long expiresSeconds;
        try {
            // SigV4 takes whole seconds, 1 to 604800; MSK tokens are signed for at most 900.
            expiresSeconds = Long.parseLong(required(query, "X-Amz-Expires"));
        } catch (NumberFormatException e) {
            throw new Refused("malformed", "X-Amz-Expires is not a whole number of seconds");
        }
        if (!(expiresSeconds >= 1 && expiresSeconds <= MAX_EXPIRES_SECONDS)) {
            throw new Refused("malformed", "X-Amz-Expires " + query.get("X-Amz-Expires") + " is not within 1 to 900 s");
        }

        KnownKey key = keys.get(accessKeyId);
        if (key == null) throw new Refused("unknown key", "access key " + accessKeyId + " is not in the credentials registry");

        String expected = signature(url.getHost(), query, key.secretAccessKey(), amzDate, scopeDate + "/" + scopeRegion + "/" + SERVICE + "/aws4_request");
        String given = required(query, "X-Amz-Signature");
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), given.getBytes(StandardCharsets.US_ASCII))) {
            throw new Refused("bad signature", "the signature does not match the secret of access key " + accessKeyId);
        }

        String sessionToken = query.get("X-Amz-Security-Token");
        if (key.sessionToken() != null || sessionToken != null) {
            if (key.sessionToken() == null || !key.sessionToken().equals(sessionToken)) {
                throw new Refused("bad session token", "the session token does not belong to access key " + accessKeyId);
            }
            if (key.expiration() != null && !key.expiration().isAfter(Instant.ofEpochMilli(nowMs))) {
                throw new Refused("expired", "the session credentials of access key " + accessKeyId + " expired at " + key.expiration());
            }
        }

        long expiresAtMs = signedAtMs + expiresSeconds * 1000;
        if (signedAtMs > nowMs + MAX_CLOCK_SKEW_MS) {
            throw new Refused("not yet valid", "signed at " + amzDate + ", more than 5 minutes ahead of the broker's clock");
        }
        if (expiresAtMs <= nowMs) {
            throw new Refused("expired", "signed at " + amzDate + " for " + query.get("X-Amz-Expires") + " s, expired at " + Instant.ofEpochMilli(expiresAtMs));
        }
        // One line per login and re-authentication: how often clients re-authenticate shows in the log.
        log.info("MSK IAM token accepted for access key {} until {}", accessKeyId, Instant.ofEpochMilli(expiresAtMs));
        return new Token(tokenValue, accessKeyId, signedAtMs, expiresAtMs);
    }

    private static String required(Map<String, String> query, String name) throws Refused {
        String value = query.get(name);
        if (value == null || value.isEmpty()) throw new Refused("malformed", "the URL has no " + name);
        return value;
    }

    private static Map<String, String> parseQuery(String rawQuery) throws Refused {
        Map<String, String> query = new HashMap<>();
        for (String pair : rawQuery.split("&")) {
            int equals = pair.indexOf('=');
            String name = decode(equals < 0 ? pair : pair.substring(0, equals));
            String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
            if (query.put(name, value) != null) throw new Refused("malformed", "the URL repeats " + name);
        }
        return query;
    }

    private static String decode(String text) throws Refused {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new Refused("malformed", "bad percent-encoding in the URL");
        }
    }

    /** SigV4 of the presigned GET, whose only signed header is host and whose body is empty. */
    static String signature(String host, Map<String, String> query, String secret, String amzDate, String scope) {
        TreeMap<String, String> signed = new TreeMap<>();
        for (Map.Entry<String, String> entry : query.entrySet()) {
            if (UNSIGNED_PARAMETERS.contains(entry.getKey())) continue;
            signed.put(uriEncode(entry.getKey()), uriEncode(entry.getValue()));
        }
        StringBuilder canonicalQuery = new StringBuilder();
        for (Map.Entry<String, String> entry : signed.entrySet()) {
            if (canonicalQuery.length() > 0) canonicalQuery.append('&');
            canonicalQuery.append(entry.getKey()).append('=').append(entry.getValue());
        }
        String canonicalRequest = "GET\n/\n" + canonicalQuery + "\nhost:" + host + "\n\nhost\n" + EMPTY_PAYLOAD_SHA256;
        String stringToSign = ALGORITHM + "\n" + amzDate + "\n" + scope + "\n" + hex(sha256(canonicalRequest));
        String[] parts = scope.split("/");
        byte[] signingKey = ("AWS4" + secret).getBytes(StandardCharsets.UTF_8);
        for (String part : parts) signingKey = hmac(signingKey, part);
        return hex(hmac(signingKey, stringToSign));
    }

    /** RFC 3986 encoding, as SigV4 wants it: unreserved characters stay, everything else is %XX. */
    private static String uriEncode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public void close() {}

    /** The session the broker grants: the principal is the access key, and it ends when the URL expires. */
    private record Token(String value, String principalName, long startMs, long lifetimeMs) implements OAuthBearerToken {
        @Override
        public Set<String> scope() {
            return Collections.emptySet();
        }

        @Override
        public Long startTimeMs() {
            return startMs;
        }
    }
}

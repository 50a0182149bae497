package tandem.kafka;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.callback.NameCallback;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;
import javax.security.sasl.SaslServerFactory;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.IllegalSaslStateException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.security.authenticator.SaslInternalConfigs;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.ScramCredentialCallback;
import org.apache.kafka.common.security.scram.ScramLoginModule;
import org.apache.kafka.common.security.scram.internals.ScramExtensions;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.security.scram.internals.ScramMessages.ClientFinalMessage;
import org.apache.kafka.common.security.scram.internals.ScramMessages.ClientFirstMessage;
import org.apache.kafka.common.security.scram.internals.ScramMessages.ServerFinalMessage;
import org.apache.kafka.common.security.scram.internals.ScramMessages.ServerFirstMessage;
import org.apache.kafka.common.security.token.delegation.internals.DelegationTokenCredentialCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local stack's SASL/SCRAM server: Kafka 4.1's own {@code ScramSaslServer} (same credential
 * store through the callback handler Kafka hands it, same messages, same errors, same negotiated
 * properties), except that it also takes the client-final nonce that librdkafka before 2.6.1 sends.
 *
 * <p>Why: librdkafka before 2.6.1 (confluentinc/librdkafka#4895), so Debian 12's kcat 1.7.1 on
 * librdkafka 2.0.2, puts its client nonce in front of the server's combined nonce a second time in
 * the client-final-message: {@code r=<client nonce><client nonce><server nonce>}. Kafka 3.x brokers
 * (and MSK clusters on 3.x) let that pass; Kafka 4.x checks the nonce as RFC 5802 says and answers
 * "invalid credentials", and so will MSK on Kafka 4. This server lets such clients use the local
 * stack as a Kafka 3.x cluster would; an application on such a client must upgrade librdkafka
 * before it meets a Kafka 4 cluster. Any other nonce is refused as Kafka refuses it.
 *
 * <p>The proof is verified, and the server signature computed, over the AuthMessage as the client
 * built it: the client-first-message-bare, the server-first-message and the
 * client-final-message-without-proof exactly as received, so a wrong password is still refused.
 * For every other client these are the very strings Kafka reassembles from the parsed messages.
 */
public class LenientScramSaslServer implements SaslServer {
    private static final Logger log = LoggerFactory.getLogger(LenientScramSaslServer.class);
    private static final Set<String> SUPPORTED_EXTENSIONS = Set.of(ScramLoginModule.TOKEN_AUTH_CONFIG);
    private static final AtomicBoolean warnedOfRepeatedNonce = new AtomicBoolean();

    enum State {
        RECEIVE_CLIENT_FIRST_MESSAGE,
        RECEIVE_CLIENT_FINAL_MESSAGE,
        COMPLETE,
        FAILED
    }

    private final ScramMechanism mechanism;
    private final ScramFormatter formatter;
    private final CallbackHandler callbackHandler;
    private State state;
    private ClientFirstMessage clientFirstMessage;
    /** The client-first-message-bare as received: everything after the gs2 header. */
    private String clientFirstMessageBare;
    private ServerFirstMessage serverFirstMessage;
    /** The server-first-message as sent. */
    private String serverFirstMessageText;
    private ScramExtensions scramExtensions;
    private ScramCredential scramCredential;
    private String authorizationId;
    private Long tokenExpiryTimestamp;

    public LenientScramSaslServer(ScramMechanism mechanism, Map<String, ?> props, CallbackHandler callbackHandler) throws NoSuchAlgorithmException {
        this.mechanism = mechanism;
        this.formatter = new ScramFormatter(mechanism);
        this.callbackHandler = callbackHandler;
        setState(State.RECEIVE_CLIENT_FIRST_MESSAGE);
    }

    @Override
    public byte[] evaluateResponse(byte[] response) throws SaslException, SaslAuthenticationException {
        try {
            switch (state) {
                case RECEIVE_CLIENT_FIRST_MESSAGE:
                    this.clientFirstMessage = new ClientFirstMessage(response);
                    this.clientFirstMessageBare = clientFirstMessageBare(response);
                    this.scramExtensions = clientFirstMessage.extensions();
                    if (!SUPPORTED_EXTENSIONS.containsAll(scramExtensions.map().keySet())) {
                        log.debug("Unsupported extensions will be ignored, supported {}, provided {}",
                                SUPPORTED_EXTENSIONS, scramExtensions.map().keySet());
                    }
                    String serverNonce = formatter.secureRandomString();
                    try {
                        String saslName = clientFirstMessage.saslName();
                        String username = ScramFormatter.username(saslName);
                        NameCallback nameCallback = new NameCallback("username", username);
                        ScramCredentialCallback credentialCallback;
                        if (scramExtensions.tokenAuthenticated()) {
                            DelegationTokenCredentialCallback tokenCallback = new DelegationTokenCredentialCallback();
                            credentialCallback = tokenCallback;
                            callbackHandler.handle(new Callback[]{nameCallback, tokenCallback});
                            if (tokenCallback.tokenOwner() == null)
                                throw new SaslException("Token Authentication failed: Invalid tokenId : " + username);
                            this.authorizationId = tokenCallback.tokenOwner();
                            this.tokenExpiryTimestamp = tokenCallback.tokenExpiryTimestamp();
                        } else {
                            credentialCallback = new ScramCredentialCallback();
                            callbackHandler.handle(new Callback[]{nameCallback, credentialCallback});
                            this.authorizationId = username;
                            this.tokenExpiryTimestamp = null;
                        }
                        this.scramCredential = credentialCallback.scramCredential();
                        if (scramCredential == null)
                            throw new SaslException("Authentication failed: Invalid user credentials");
                        String authorizationIdFromClient = clientFirstMessage.authorizationId();
                        if (!authorizationIdFromClient.isEmpty() && !authorizationIdFromClient.equals(username))
                            throw new SaslAuthenticationException("Authentication failed: Client requested an authorization id that is different from username");

                        if (scramCredential.iterations() < mechanism.minIterations())
                            throw new SaslException("Iterations " + scramCredential.iterations() + " is less than the minimum " + mechanism.minIterations() + " for " + mechanism);
                        this.serverFirstMessage = new ServerFirstMessage(clientFirstMessage.nonce(),
                                serverNonce,
                                scramCredential.salt(),
                                scramCredential.iterations());
                        byte[] serverFirst = serverFirstMessage.toBytes();
                        this.serverFirstMessageText = new String(serverFirst, StandardCharsets.UTF_8);
                        setState(State.RECEIVE_CLIENT_FINAL_MESSAGE);
                        return serverFirst;
                    } catch (SaslException | AuthenticationException e) {
                        throw e;
                    } catch (Throwable e) {
                        throw new SaslException("Authentication failed: Credentials could not be obtained", e);
                    }

                case RECEIVE_CLIENT_FINAL_MESSAGE:
                    try {
                        ClientFinalMessage clientFinalMessage = new ClientFinalMessage(response);
                        String nonce = clientFinalMessage.nonce();
                        boolean repeatedClientNonce = !nonce.equals(serverFirstMessage.nonce())
                                && nonce.equals(clientFirstMessage.nonce() + serverFirstMessage.nonce());
                        if (!nonce.equals(serverFirstMessage.nonce()) && !repeatedClientNonce) {
                            throw new SaslException("Invalid client nonce in the final client message.");
                        }
                        byte[] authMessage = authMessage(response);
                        verifyClientProof(authMessage, clientFinalMessage.proof());
                        if (repeatedClientNonce) logRepeatedClientNonce();
                        byte[] serverKey = scramCredential.serverKey();
                        byte[] serverSignature = formatter.hmac(serverKey, authMessage);
                        ServerFinalMessage serverFinalMessage = new ServerFinalMessage(null, serverSignature);
                        clearCredentials();
                        setState(State.COMPLETE);
                        return serverFinalMessage.toBytes();
                    } catch (InvalidKeyException e) {
                        throw new SaslException("Authentication failed: Invalid client final message", e);
                    }

                default:
                    throw new IllegalSaslStateException("Unexpected challenge in Sasl server state " + state);
            }
        } catch (SaslException | AuthenticationException e) {
            clearCredentials();
            setState(State.FAILED);
            throw e;
        }
    }

    /**
     * The client-first-message-bare as the client sent it. The message parsed as Kafka parses it,
     * so it starts with a gs2 header {@code n,[a=<authzid>],} whose authzid holds no comma.
     */
    private static String clientFirstMessageBare(byte[] clientFirst) {
        String message = new String(clientFirst, StandardCharsets.UTF_8);
        return message.substring(message.indexOf(',', 2) + 1);
    }

    /**
     * {@code client-first-message-bare "," server-first-message "," client-final-message-without-proof},
     * the last as received: everything before {@code ",p="}, the proof being base64, without commas.
     */
    private byte[] authMessage(byte[] clientFinal) {
        String message = new String(clientFinal, StandardCharsets.UTF_8);
        String withoutProof = message.substring(0, message.lastIndexOf(",p="));
        return ScramFormatter.toBytes(ScramFormatter.authMessage(clientFirstMessageBare, serverFirstMessageText, withoutProof));
    }

    private void verifyClientProof(byte[] authMessage, byte[] clientProof) throws SaslException {
        try {
            byte[] expectedStoredKey = scramCredential.storedKey();
            byte[] clientSignature = formatter.hmac(expectedStoredKey, authMessage);
            byte[] computedStoredKey = formatter.storedKey(clientSignature, clientProof);
            if (!MessageDigest.isEqual(computedStoredKey, expectedStoredKey))
                throw new SaslException("Invalid client credentials");
        } catch (InvalidKeyException e) {
            throw new SaslException("Sasl client verification failed", e);
        }
    }

    private void logRepeatedClientNonce() {
        String message = "Accepted a SASL/{} client-final nonce that repeats the client nonce, as librdkafka before 2.6.1 sends it"
                + " (confluentinc/librdkafka#4895): Kafka 4.x, and Amazon MSK on Kafka 4, refuse such clients";
        if (warnedOfRepeatedNonce.compareAndSet(false, true)) log.warn(message, mechanism.mechanismName());
        else log.debug(message, mechanism.mechanismName());
    }

    @Override
    public String getAuthorizationID() {
        if (!isComplete())
            throw new IllegalStateException("Authentication exchange has not completed");
        return authorizationId;
    }

    @Override
    public String getMechanismName() {
        return mechanism.mechanismName();
    }

    @Override
    public Object getNegotiatedProperty(String propName) {
        if (!isComplete())
            throw new IllegalStateException("Authentication exchange has not completed");
        if (SaslInternalConfigs.CREDENTIAL_LIFETIME_MS_SASL_NEGOTIATED_PROPERTY_KEY.equals(propName))
            return tokenExpiryTimestamp; // null unless a delegation token was used
        if (SUPPORTED_EXTENSIONS.contains(propName))
            return scramExtensions.map().get(propName);
        else
            return null;
    }

    @Override
    public boolean isComplete() {
        return state == State.COMPLETE;
    }

    @Override
    public byte[] unwrap(byte[] incoming, int offset, int len) {
        if (!isComplete())
            throw new IllegalStateException("Authentication exchange has not completed");
        throw new IllegalStateException("SCRAM supports neither integrity nor privacy");
    }

    @Override
    public byte[] wrap(byte[] outgoing, int offset, int len) {
        if (!isComplete())
            throw new IllegalStateException("Authentication exchange has not completed");
        throw new IllegalStateException("SCRAM supports neither integrity nor privacy");
    }

    @Override
    public void dispose() {
    }

    private void setState(State state) {
        log.debug("Setting SASL/{} server state to {}", mechanism, state);
        this.state = state;
    }

    private void clearCredentials() {
        scramCredential = null;
        clientFirstMessage = null;
        clientFirstMessageBare = null;
        serverFirstMessage = null;
        serverFirstMessageText = null;
    }

    /** Registered by {@link LenientScramProvider} for SCRAM-SHA-256 and SCRAM-SHA-512. */
    public static class Factory implements SaslServerFactory {
        @Override
        public SaslServer createSaslServer(String mechanism, String protocol, String serverName, Map<String, ?> props, CallbackHandler cbh)
                throws SaslException {
            if (!ScramMechanism.isScram(mechanism)) {
                throw new SaslException(String.format("Requested mechanism '%s' is not supported. Supported mechanisms are '%s'.",
                        mechanism, ScramMechanism.mechanismNames()));
            }
            try {
                return new LenientScramSaslServer(ScramMechanism.forMechanismName(mechanism), props, cbh);
            } catch (NoSuchAlgorithmException e) {
                throw new SaslException("Hash algorithm not supported for mechanism " + mechanism, e);
            }
        }

        @Override
        public String[] getMechanismNames(Map<String, ?> props) {
            Collection<String> mechanisms = ScramMechanism.mechanismNames();
            return mechanisms.toArray(new String[0]);
        }
    }
}

package tandem.kafka;

import java.security.Provider;
import org.apache.kafka.common.security.auth.SecurityProviderCreator;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;

/**
 * Puts {@link LenientScramSaslServer} ahead of Kafka's own SCRAM server, for the broker setting
 * {@code security.providers=tandem.kafka.LenientScramProvider}: Kafka inserts the configured
 * providers at the front of the JVM's list (SecurityUtils.addConfiguredSecurityProviders), while
 * its own SCRAM provider is appended at the end, so {@code Sasl.createSaslServer} finds this one first.
 *
 * <p>Why: librdkafka before 2.6.1 (Debian 12's kcat, for one) sends a SCRAM client-final nonce
 * that Kafka 4.x refuses (confluentinc/librdkafka#4895) and Kafka 3.x accepted; the local stack
 * accepts it as a Kafka 3.x cluster would. Kafka 4.x, and Amazon MSK on Kafka 4, refuse such
 * clients: an application on one must upgrade before it meets a Kafka 4 cluster.
 */
public class LenientScramProvider implements SecurityProviderCreator {
    /** One instance: Kafka may insert it once per listener and SSL engine; the JVM keeps the first. */
    private static final Provider PROVIDER = new LenientProvider();

    @Override
    public Provider getProvider() {
        return PROVIDER;
    }

    private static final class LenientProvider extends Provider {
        private static final long serialVersionUID = 1L;

        LenientProvider() {
            super("Tandem Lenient SASL/SCRAM Server Provider", "1.0",
                    "Kafka's SASL/SCRAM server that also accepts the client-final nonce of librdkafka before 2.6.1");
            for (ScramMechanism mechanism : ScramMechanism.values())
                put("SaslServerFactory." + mechanism.mechanismName(), LenientScramSaslServer.Factory.class.getName());
        }
    }
}

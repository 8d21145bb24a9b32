package io.remora.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;

/**
 * The crypto library behind every TLS context: BoringSSL (netty-tcnative) when it loads, the
 * JDK's JSSE otherwise or when asked for ({@code --tls-provider jdk} /
 * {@code -Dremora.tls.provider=jdk}). Both are configured from the same model, so they behave
 * alike; BoringSSL is faster at handshakes and bulk encryption.
 */
public enum TlsProvider {
    BORINGSSL, JDK;

    public static final String PROPERTY = "remora.tls.provider";

    /** The provider named by {@value #PROPERTY}, BoringSSL by default when it is available. */
    public static TlsProvider current() {
        String p = System.getProperty(PROPERTY, "");
        if (p.equalsIgnoreCase("jdk")) {
            return JDK;
        }
        if (!p.isEmpty() && !p.equalsIgnoreCase("boringssl") && !p.equalsIgnoreCase("openssl")) {
            throw new IllegalArgumentException("unknown TLS provider '" + p + "' (boringssl or jdk)");
        }
        return OpenSsl.isAvailable() ? BORINGSSL : JDK;
    }

    /** Parses a --tls-provider value; throws with a message naming the choices. */
    public static TlsProvider parse(String value) {
        return switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "boringssl", "openssl" -> BORINGSSL;
            case "jdk" -> JDK;
            default -> throw new IllegalArgumentException("unknown TLS provider '" + value + "' (boringssl or jdk)");
        };
    }

    SslProvider netty() {
        return this == BORINGSSL ? SslProvider.OPENSSL : SslProvider.JDK;
    }
}

package io.remora.route;

import java.net.SocketAddress;

/**
 * Substitutes Envoy's command operators in header values (%DOWNSTREAM_REMOTE_ADDRESS%,
 * %DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%, %DOWNSTREAM_LOCAL_ADDRESS%, %UPSTREAM_METADATA(...)%,
 * %HOSTNAME%, %PROTOCOL%, %START_TIME%, %REQ(x)%, ...). Values without '%' are used verbatim;
 * compiled once per config.
 */
public final class HeaderFormatter {

    /** What the operators read. */
    public interface Context {
        SocketAddress downstreamRemoteAddress();

        SocketAddress downstreamLocalAddress();

        /** "HTTP/1.1" or "HTTP/2". */
        String protocol();
    }

    private HeaderFormatter() {
    }
}

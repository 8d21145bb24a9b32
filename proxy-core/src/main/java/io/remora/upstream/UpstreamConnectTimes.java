package io.remora.upstream;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * When one upstream connection began connecting, finished its TCP connect and finished its TLS
 * handshake ({@link System#nanoTime()} values, {@link #NONE} for a moment that did not happen):
 * Envoy's per-connection UpstreamTiming, which every stream the connection carries reports, the
 * first and the reused alike. Kept on the channel by {@link UpstreamConnector}, once per
 * connection and only once some access log format reads these moments.
 */
public final class UpstreamConnectTimes {
    /** A moment that did not happen (no TLS, the connect failed). */
    public static final long NONE = Long.MIN_VALUE;

    private static final AttributeKey<UpstreamConnectTimes> KEY = AttributeKey.valueOf("remora.upstream.connectTimes");

    private final long start;
    private long connected = NONE;
    private long handshaken = NONE;

    /** A connect beginning at {@code start}; the connector sets the later moments as they happen. */
    public UpstreamConnectTimes(long start) {
        this.start = start;
    }

    /** Keeps these moments on {@code ch}, the channel they are of. */
    void attach(Channel ch) {
        ch.attr(KEY).set(this);
    }

    /** The moments of {@code ch}, or null when none were recorded (or there is no channel). */
    public static UpstreamConnectTimes of(Channel ch) {
        return ch == null || !ch.hasAttr(KEY) ? null : ch.attr(KEY).get();
    }

    public void connected(long now) {
        connected = now;
    }

    public void handshaken(long now) {
        handshaken = now;
    }

    /** Envoy's upstream_connect_start_ ({@code US_CX_BEG}). */
    public long start() {
        return start;
    }

    /** Envoy's upstream_connect_complete_ ({@code US_CX_END}): the TCP connect's end, before any TLS. */
    public long connected() {
        return connected;
    }

    /** Envoy's upstream_handshake_complete_ ({@code US_HS_END}); {@link #NONE} in plaintext. */
    public long handshaken() {
        return handshaken;
    }
}

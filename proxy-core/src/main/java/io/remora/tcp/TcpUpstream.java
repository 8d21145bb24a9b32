package io.remora.tcp;

import io.netty.buffer.ByteBuf;
import io.remora.network.FilterState;
import io.remora.tls.TlsConnection;

import java.net.SocketAddress;

/**
 * The upstream side of one tcp_proxy session: a TCP connection of its own ({@link ChannelUpstream})
 * or an HTTP stream tunnelling the bytes ({@link HttpTunnelUpstream}, tunneling_config). Both tell
 * the session what happens through its package-private upstream methods; all on the downstream's
 * event loop.
 */
interface TcpUpstream {

    /** Bytes from downstream; ownership passes. */
    void write(ByteBuf data);

    void flush();

    boolean isWritable();

    /** Stops (false) or resumes reading what the upstream sends: downstream backpressure. */
    void readEnabled(boolean enabled);

    /** Passes the downstream's FIN on, after what is queued. */
    void shutdownOutput();

    /** Ends the upstream side once what is queued has gone out. */
    void closeAfterFlush();

    /** Ends the upstream side now. */
    void close();

    SocketAddress localAddress();

    /** The upstream connection carrying the bytes (for its id), or null before there is one. */
    io.netty.channel.Channel connection();

    /** The upstream connection's TLS, or null. */
    TlsConnection tls();

    /** The upstream connection's filter state (its upstream network filters'). */
    FilterState filterState();
}

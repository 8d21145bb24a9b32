package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.upstream.Host;

import java.net.SocketAddress;

/** The request side of one upstream stream handed out by a pool; event-loop confined. */
public interface UpstreamStream extends io.remora.accesslog.UpstreamConnectionFacts {

    Host host();

    SocketAddress localAddress();

    /** The upstream connection carrying the stream (its TLS state and filter state are on it). */
    io.netty.channel.Channel connection();

    /** Whether this stream's codec adds to the requester's {@link UpstreamCallbacks#wireBytes() byte meters} (HTTP/1.1's does). */
    default boolean metersWireBytes() {
        return false;
    }

    /** The connection's own: a stream on a reused connection reports when that connection was made, as Envoy's. */
    @Override
    default io.remora.upstream.UpstreamConnectTimes connectTimes() {
        return io.remora.upstream.UpstreamConnectTimes.of(connection());
    }

    /** The upstream connection's TLS session, or null in plaintext. */
    io.remora.tls.TlsConnection tls();

    /**
     * The stream carries tcp_proxy's tunnel, a CONNECT or a POST (Envoy's RequestEncoder::enableTcpTunneling);
     * before {@link #writeHeaders}. HTTP/1.1 then frames neither: the bytes go raw, their end is a FIN,
     * and a 2xx turns the connection into a pipe. Other codecs need nothing.
     */
    default void enableTcpTunneling() {
    }

    /** Headers are HTTP/2-style; the pool converts them for HTTP/1.1. */
    void writeHeaders(Http2Headers headers, boolean endStream);

    /** Ownership of data passes to the stream. */
    void writeData(ByteBuf data, boolean endStream);

    void writeTrailers(Http2Headers trailers);

    boolean isWritable();

    /** Stop (false) or resume (true) reading the response: downstream backpressure. */
    void readEnabled(boolean enabled);

    /** Abandons the stream (RST_STREAM, or closing an HTTP/1.1 connection); no callbacks follow. */
    void reset();
}

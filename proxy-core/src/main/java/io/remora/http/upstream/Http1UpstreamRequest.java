package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.http.Upgrades;
import io.remora.upstream.Host;

import java.net.SocketAddress;

/**
 * The request side of an upstream HTTP/1.1 connection, as Envoy's client codec encodes a request:
 * its head, a body framed by content-length or chunks, trailers, or the raw bytes of an upgrade or
 * CONNECT tunnel. A base of {@link Http1UpstreamConnection} (the connection and its response side)
 * rather than an object of its own, so a connection stays one object; the state both sides read is
 * here.
 */
abstract class Http1UpstreamRequest extends ChannelInboundHandlerAdapter implements UpstreamStream {
    private static final AsciiString HEAD = HttpMethod.HEAD.asciiName();

    final Http1ConnectionPool pool;
    Channel channel;
    private UpstreamChannelFacts facts;
    UpstreamCallbacks active;
    /** The stream in service holds a max_requests slot ({@link PoolContext#admitRequest}). */
    boolean holdsRequestSlot;
    boolean requestDone;
    boolean responseDone;
    boolean headRequest;
    boolean upgradeRequested;
    boolean connectRequested;
    /** tcp_proxy's tunnel: its POST goes as a CONNECT would ({@link #enableTcpTunneling}). */
    boolean tcpTunneling;
    /** The request body goes out in chunks (its length was not known with its head). */
    boolean chunkedRequest;
    /** The upstream accepted the upgrade or CONNECT: the connection is a byte pipe now. */
    boolean upgraded;
    /** Tunnel bytes the client sent before the upstream accepted (a 101, or a 2xx to a CONNECT). */
    private final HeldTunnelBytes beforeSwitch = new HeldTunnelBytes();
    private boolean holdUntilSwitch;
    /** The meters of the stream being served, when some format reads them; null otherwise. */
    io.remora.accesslog.WireBytes meter;

    Http1UpstreamRequest(Http1ConnectionPool pool) {
        this.pool = pool;
    }

    /** Both the request and the response ended: the connection goes back to its pool, or closes. */
    abstract void maybeRelease();

    @Override
    public boolean metersWireBytes() {
        return true;
    }

    /** What this request's encoder writes, as Envoy's counts what it flushes; {@code head}: a head with field lines. */
    final void metered(ByteBuf out, boolean head) {
        io.remora.accesslog.WireBytes w = meter;
        if (w != null) {
            w.add(false, true, out.readableBytes(), head ? io.remora.accesslog.WireBytes.sentFieldBytes(out) : 0);
        }
    }

    @Override
    public Host host() {
        return pool.ctx.host;
    }

    @Override
    public SocketAddress localAddress() {
        return channel.localAddress();
    }

    @Override
    public String protocol() {
        return "HTTP/1.1";
    }

    @Override
    public io.netty.channel.Channel connection() {
        return channel;
    }

    @Override
    public long connectionId() {
        return facts().id();
    }

    @Override
    public io.remora.tls.TlsConnection tls() {
        return facts().tls();
    }

    private UpstreamChannelFacts facts() {
        if (facts == null) {
            facts = UpstreamChannelFacts.of(channel);
        }
        return facts;
    }

    @Override
    public void enableTcpTunneling() {
        tcpTunneling = true;
    }

    @Override
    public void writeHeaders(Http2Headers headers, boolean endStream) {
        CharSequence method = headers.method();
        headRequest = method != null && AsciiString.contentEquals(HEAD, method);
        connectRequested = Upgrades.isConnect(headers) || tcpTunneling;
        upgradeRequested = !connectRequested && Upgrades.isUpgrade(headers);
        // Envoy's UpstreamRequest pauses every tunnel's payload until the upstream accepts:
        // paused_for_connect_, paused_for_websocket_ and paused_for_generic_upgrade_.
        holdUntilSwitch = connectRequested || upgradeRequested;
        boolean tunnel = connectRequested || upgradeRequested;
        chunkedRequest = !tunnel && !endStream && !headers.contains(HttpHeaderNames.CONTENT_LENGTH);
        ByteBuf head = HeaderConversion.requestHead(channel.alloc(), headers, endStream, tunnel, chunkedRequest,
                pool.ctx.cluster.config().http1Options(), pool.nameCase);
        metered(head, true);
        // Void promises: no listener is needed, and a failed write reaches exceptionCaught (close).
        channel.writeAndFlush(head, channel.voidPromise());
        if (endStream) {
            requestDone = true;
        }
    }

    @Override
    public void writeData(ByteBuf data, boolean endStream) {
        if (active == null) {
            data.release();
            return;
        }
        if (upgraded || upgradeRequested || connectRequested) {
            writeTunnel(data, endStream);
            return;
        }
        ByteBuf out = chunkedRequest ? Http1Wire.chunk(channel.alloc(), data, endStream) : body(data);
        if (out != null) {
            metered(out, false);
            channel.writeAndFlush(out, channel.voidPromise());
        }
        if (endStream) {
            requestDone = true;
            maybeRelease();
        }
    }

    /** Body bytes of a request framed by its content-length: as they are. */
    private static ByteBuf body(ByteBuf data) {
        if (data.isReadable()) {
            return data;
        }
        data.release();
        return null;
    }

    /**
     * Tunnel bytes from the client: raw (the head had no body framing); the end of the client's
     * side is a FIN to the upstream.
     */
    private void writeTunnel(ByteBuf data, boolean endStream) {
        if (holdUntilSwitch && !upgraded) {
            hold(data);
            requestDone |= endStream;
            return;
        }
        metered(data, false);
        Http1UpstreamTunnel.write(channel, data);
        if (!endStream) {
            return;
        }
        requestDone = true;
        if (!upgraded) {
            // Ended before the upstream accepted: nothing more will be sent; the answer decides.
            return;
        }
        if (responseDone) {
            closeTunnel();
        } else {
            Http1UpstreamTunnel.halfClose(channel);
        }
    }

    private void hold(ByteBuf data) {
        UpstreamCallbacks cb = active;
        if (beforeSwitch.add(channel.alloc(), data, cb.requestBufferLimit())) {
            cb.onWritabilityChanged(false);
        }
    }

    /** The upstream switched protocols: what the client sent meanwhile goes out first. */
    final void sendHeld() {
        boolean wasAbove = beforeSwitch.above();
        ByteBuf held = beforeSwitch.take();
        if (held != null) {
            metered(held, false);
            Http1UpstreamTunnel.write(channel, held);
        }
        UpstreamCallbacks cb = active;
        if (wasAbove && cb != null) {
            cb.onWritabilityChanged(channel.isWritable());
        }
    }

    /** The connection ends without the switch: the held bytes are dropped. */
    final void dropHeld() {
        beforeSwitch.drop();
    }

    /** Both halves of the tunnel ended: close once what is queued has left. */
    final void closeTunnel() {
        clearActive();
        Http1UpstreamTunnel.close(channel);
    }

    @Override
    public void writeTrailers(Http2Headers trailers) {
        if (active == null) {
            return;
        }
        if (upgraded || upgradeRequested || connectRequested) {
            writeTunnel(Unpooled.EMPTY_BUFFER, true); // a tunnel has no trailers, only their end
            return;
        }
        requestDone = true;
        if (chunkedRequest) {
            // Trailers exist only in chunked framing; after a content-length body they are dropped.
            // As Envoy's codec, they are written only with the cluster's enable_trailers.
            ByteBuf last = pool.ctx.cluster.config().http1EnableTrailers()
                    ? Http1Wire.lastChunk(channel.alloc(), trailers, pool.nameCase) : Http1Wire.lastChunk();
            if (meter != null) {
                meter.upstreamWireSent += last.readableBytes();
                meter.upstreamHeaderSent += last.readableBytes() - 5; // all but "0\r\n" and the empty line
            }
            channel.writeAndFlush(last, channel.voidPromise());
        }
        maybeRelease();
    }

    @Override
    public boolean isWritable() {
        return !beforeSwitch.above() && channel.isWritable();
    }

    @Override
    public void readEnabled(boolean enabled) {
        channel.config().setAutoRead(enabled);
    }

    @Override
    public void reset() {
        if (active != null) {
            clearActive();
            channel.close();
        }
    }

    /** The stream in service is over: its max_requests slot goes back. */
    final void clearActive() {
        if (active != null) {
            active = null;
            pool.ctx.releaseRequest(holdsRequestSlot);
            holdsRequestSlot = false;
        }
    }
}

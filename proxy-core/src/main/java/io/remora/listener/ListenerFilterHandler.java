package io.remora.listener;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs tls_inspector and http_inspector over the first bytes of a connection without consuming
 * them. Once both have decided it installs the chosen filter chain, replays channelActive (held
 * back so the chain's handlers see it) and removes itself, which hands the buffered bytes on.
 * A connection still undecided after listener_filters_timeout is closed, as Envoy does.
 */
final class ListenerFilterHandler extends ByteToMessageDecoder {
    private final ListenerRuntime rt;
    private final ConnectionCloseAccounting close;
    private final InetSocketAddress originalDst;
    private final long connectionId;
    private boolean tlsDone;
    private boolean httpDone;
    private String sni;
    private String transportProtocol = "raw_buffer";
    private List<String> alpn = List.of();
    private boolean activeHeld;
    private boolean finished;
    private Future<?> timeout;

    ListenerFilterHandler(ListenerRuntime rt, ConnectionCloseAccounting close, InetSocketAddress originalDst,
                          long connectionId) {
        this.rt = rt;
        this.close = close;
        this.originalDst = originalDst;
        this.connectionId = connectionId;
        this.tlsDone = !rt.inspectsTls();
        this.httpDone = !rt.inspectsHttp();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        long ms = rt.listenerFiltersTimeout().toMillis();
        if (ms > 0) {
            timeout = ctx.executor().schedule(() -> {
                if (!finished) {
                    ctx.close();
                }
            }, ms, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        activeHeld = true;
        ctx.read(); // in case autoRead is off: inspection needs bytes
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (finished) {
            return;
        }
        if (!tlsDone) {
            TlsInspector.Result r = TlsInspector.inspect(in);
            if (r.status() == TlsInspector.Status.NEED_MORE) {
                return;
            }
            tlsDone = true;
            if (r.status() == TlsInspector.Status.TLS) {
                transportProtocol = "tls";
                sni = r.serverName();
                alpn = r.alpn();
                httpDone = true; // http_inspector does not look into TLS
            }
        }
        if (!httpDone) {
            String p = HttpInspector.inspect(in);
            if (p == HttpInspector.NEED_MORE) {
                return;
            }
            httpDone = true;
            if (p != null) {
                alpn = List.of(p);
            }
        }
        finished = true;
        if (timeout != null) {
            timeout.cancel(false);
        }
        if (!ConnectionAcceptor.dispatch(ctx.channel(), connectionId, rt, close, originalDst, sni, transportProtocol, alpn)) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (activeHeld) {
            ctx.fireChannelActive();
        }
        ctx.pipeline().remove(this); // hands the buffered bytes to the chain's handlers
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        // The peer went away during inspection: nothing to hand over.
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (timeout != null) {
            timeout.cancel(false);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}

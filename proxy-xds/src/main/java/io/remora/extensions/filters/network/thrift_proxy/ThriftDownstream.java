package io.remora.extensions.filters.network.thrift_proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One downstream connection, Envoy's thrift ConnectionManager: cuts requests off the byte
 * stream, counts them, hands each to a {@link ThriftRpc} (requests are not held back while
 * earlier ones wait for their upstream, as in Envoy) and writes replies as they complete.
 */
final class ThriftDownstream extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = io.remora.log.Logging.logger("filter");

    final ThriftProxyFilter filter;
    private final io.remora.network.ConnectionInfo info;
    private Channel channel;
    private ThriftFrameDecoder decoder;
    private ThriftCodec writer;
    private ByteBuf cumulation;
    private final List<ThriftRpc> active = new ArrayList<>(2);
    private int accumulated;
    private boolean overflow;
    private boolean closedLocally;

    ThriftDownstream(ThriftProxyFilter filter, io.remora.network.ConnectionInfo info) {
        this.filter = filter;
        this.info = info;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        ThriftProxyConfig c = filter.config;
        decoder = new ThriftFrameDecoder(c.transport(), c.protocol(), c.headerKeysPreserveCase());
    }

    Channel channel() {
        return channel;
    }

    /** The connection's transport and protocol (detected by now when they were AUTO). */
    ThriftProxyConfig.Transport transport() {
        return decoder.transport();
    }

    ThriftProxyConfig.Protocol protocol() {
        return decoder.protocol();
    }

    /** Reads requests' bodies in their protocol when they are re-encoded upstream (same event loop). */
    ThriftCodec requestCodec() {
        return decoder.codec();
    }

    private ThriftCodec writer() {
        if (writer == null) {
            writer = ThriftCodec.of(decoder.protocol());
        }
        return writer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (overflow || closedLocally) {
            buf.release();
            return;
        }
        cumulation = cumulation == null ? buf : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), cumulation, buf);
        dispatch();
    }

    private void dispatch() {
        while (cumulation != null && cumulation.isReadable() && !overflow && !closedLocally) {
            ThriftMessage m;
            try {
                m = decoder.decode(cumulation);
            } catch (ThriftDecodeException e) {
                decodeError(e);
                return;
            }
            if (m == null) {
                break;
            }
            request(m);
        }
        if (cumulation != null && !cumulation.isReadable()) {
            cumulation.release();
            cumulation = null;
        }
    }

    private void request(ThriftMessage m) {
        ThriftStats s = filter.stats;
        s.request.increment();
        switch (m.type) {
            case ThriftMessage.CALL -> s.requestCall.increment();
            case ThriftMessage.ONEWAY -> s.requestOneway.increment();
            default -> s.requestInvalidType.increment();
        }
        accumulated++;
        int max = filter.config.maxRequestsPerConnection();
        if (max > 0 && accumulated >= max) {
            overflow = true;
            channel.config().setAutoRead(false);
            s.downstreamCxMaxRequests.increment();
        }
        io.remora.accesslog.StreamInfo si = null;
        if (filter.streamInfos) {
            si = streamInfo();
            si.bytesReceived = m.wireSize;
            for (ThriftRequestFilter f : filter.config.filters()) {
                f.onRequest(m, decoder.codec(), si);
            }
        }
        if (!filter.config.routed()) {
            // No router in the chain: the request ends with the filters, as in Envoy.
            m.release();
            return;
        }
        ThriftRpc rpc = new ThriftRpc(this, m, si);
        active.add(rpc);
        s.requestActive.incrementAndGet();
        rpc.start();
    }

    private io.remora.accesslog.StreamInfo streamInfo() {
        io.remora.accesslog.StreamInfo si = new io.remora.accesslog.StreamInfo();
        io.remora.network.ConnectionMetadata.copyTo(channel, si);
        si.downstreamRemoteAddress = info.remoteAddress();
        si.downstreamDirectRemoteAddress = channel.remoteAddress();
        si.downstreamLocalAddress = info.localAddress();
        si.fromConnection(info, channel);
        return si;
    }

    /** The request is done (answered, forwarded oneway, or failed). */
    void done(ThriftRpc rpc) {
        if (active.remove(rpc)) {
            filter.stats.requestActive.decrementAndGet();
        }
        if (overflow && active.isEmpty() && channel.isActive()) {
            closeAfterFlush();
        }
    }

    private void decodeError(ThriftDecodeException e) {
        if (LOG.isLoggable(Level.FINE)) {
            LOG.fine("thrift error: " + e.getMessage());
        }
        filter.stats.requestDecodingError.increment();
        ThriftMessage failed = decoder.failed;
        if (failed != null && decoder.transport() != ThriftProxyConfig.Transport.AUTO && decoder.codec() != null) {
            localReply(failed.name, failed.seqId, failed.type, ThriftLocalReply.PROTOCOL_ERROR, e.getMessage(), true);
        } else {
            closedLocally = true;
            closeAfterFlush();
        }
    }

    /**
     * Envoy's sendLocalReply: a TApplicationException in the connection's transport and protocol
     * with the request's sequence id (a oneway request gets none), then the close if asked.
     */
    int localReply(String method, int seqId, int requestType, int exceptionType, String message, boolean close) {
        if (!channel.isActive()) {
            return 0;
        }
        int written = 0;
        if (requestType == ThriftMessage.CALL) {
            ByteBuf reply = ThriftLocalReply.encode(channel.alloc(), decoder.transport(), writer(), method, seqId,
                    exceptionType, message);
            written = reply.readableBytes();
            channel.write(reply, channel.voidPromise());
            filter.stats.responseException.increment();
        }
        if (close) {
            closedLocally = true;
            closeAfterFlush();
        } else {
            channel.flush();
        }
        return written;
    }

    /** An upstream reply, re-encoded in the downstream's transport and protocol with the original sequence id. */
    int response(ThriftMessage r, ThriftCodec reader, int seqId) {
        if (!channel.isActive()) {
            return 0;
        }
        ByteBuf out = channel.alloc().buffer(r.body.readableBytes() + 64);
        try {
            ThriftFrameEncoder.encode(out, decoder.transport(), writer(), reader, r.name, r.type, seqId, r.body, r.headers);
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
        int written = out.readableBytes();
        channel.writeAndFlush(out, channel.voidPromise());
        ThriftStats s = filter.stats;
        s.response.increment();
        switch (r.type) {
            case ThriftMessage.REPLY -> {
                s.responseReply.increment();
                (r.success ? s.responseSuccess : s.responseError).increment();
            }
            case ThriftMessage.EXCEPTION -> s.responseException.increment();
            default -> s.responseInvalidType.increment();
        }
        return written;
    }

    /** Envoy's resetDownstreamConnection: closed at once. */
    void reset() {
        closedLocally = true;
        channel.close();
    }

    private void closeAfterFlush() {
        channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
        for (ThriftRpc rpc : new ArrayList<>(active)) {
            if (rpc.downstreamClosed()) {
                (closedLocally ? filter.stats.cxDestroyLocalWithActiveRq : filter.stats.cxDestroyRemoteWithActiveRq)
                        .increment();
                done(rpc);
            }
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (LOG.isLoggable(Level.FINE)) {
            LOG.fine("thrift downstream error: " + cause);
        }
        closedLocally = true;
        ctx.close();
    }
}

package io.remora.extensions.filters.network.thrift_proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import io.remora.upstream.Cluster;

/**
 * One pooled upstream connection: its own sequence ids (Envoy's ThriftConnectionState), the
 * transport and protocol its cluster asked for, and the one request it carries at a time.
 */
final class ThriftUpstreamConnection extends ChannelInboundHandlerAdapter {

    /** The request being answered on a connection. */
    interface Owner {
        void onResponse(ThriftMessage response, ThriftFrameDecoder decoder);

        /** The response could not be decoded. */
        void onResponseError(String what);

        /** The connection closed before the response was whole; started: some of it had come. */
        void onUpstreamClosed(boolean started);
    }

    private final ThriftUpstreamPool pool;
    private final EventLoop loop;
    private final Cluster cluster;
    private final ThriftUpstreamPool.Key key;
    private final ThriftFrameDecoder decoder;
    final ThriftCodec writer;
    private Channel channel;
    private ByteBuf cumulation;
    private int nextSeqId;
    private Owner owner;

    ThriftUpstreamConnection(ThriftUpstreamPool pool, EventLoop loop, Cluster cluster, ThriftUpstreamPool.Key key) {
        this.pool = pool;
        this.loop = loop;
        this.cluster = cluster;
        this.key = key;
        this.decoder = new ThriftFrameDecoder(key.transport(), key.protocol(), true);
        this.writer = ThriftCodec.of(key.protocol());
    }

    void channel(Channel ch) {
        this.channel = ch;
    }

    Channel channel() {
        return channel;
    }

    EventLoop loop() {
        return loop;
    }

    ThriftUpstreamPool.Key key() {
        return key;
    }

    Cluster cluster() {
        return cluster;
    }

    int nextSequenceId() {
        return nextSeqId++;
    }

    /** Writes a request; the owner hears of its response (null owner: oneway, nothing awaited). */
    void send(ByteBuf request, Owner owner) {
        this.owner = owner;
        channel.writeAndFlush(request, channel.voidPromise());
    }

    /** The request is done: back to the pool for the next one. */
    void release() {
        owner = null;
        pool.release(this);
    }

    /** The request was abandoned (downstream gone): the connection cannot be reused mid-response. */
    void reset() {
        owner = null;
        channel.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (owner == null) {
            // Bytes nobody asked for: the connection's state is unknown, so it is not reused.
            buf.release();
            ctx.close();
            return;
        }
        cumulation = cumulation == null ? buf : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), cumulation, buf);
        ThriftMessage m;
        try {
            m = decoder.decode(cumulation);
        } catch (ThriftDecodeException e) {
            Owner o = owner;
            owner = null;
            dropCumulation();
            ctx.close();
            o.onResponseError(e.getMessage());
            return;
        }
        if (m == null) {
            return;
        }
        if (cumulation.isReadable()) {
            // More than one response for one request: the stream cannot be trusted further.
            m.release();
            Owner o = owner;
            owner = null;
            dropCumulation();
            ctx.close();
            o.onResponseError("unexpected data after the thrift response");
            return;
        }
        dropCumulation();
        Owner o = owner;
        owner = null;
        try {
            o.onResponse(m, decoder);
        } finally {
            m.release();
        }
    }

    private void dropCumulation() {
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        boolean started = cumulation != null && cumulation.isReadable();
        dropCumulation();
        pool.remove(this);
        Owner o = owner;
        owner = null;
        if (o != null) {
            o.onUpstreamClosed(started);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}

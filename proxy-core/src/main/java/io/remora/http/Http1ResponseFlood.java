package io.remora.http;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;

/**
 * Envoy's HTTP/1.1 response flood protection (ServerConnectionImpl's outbound response count,
 * kMaxOutboundResponses): responses whose bytes the socket has not taken yet are counted, and a
 * pipelined request that begins while two wait costs the connection ({@code http1.response_flood}),
 * so a client that pipelines and never reads cannot make the proxy buffer every answer. As in
 * Envoy, whose connection writes in its write event after the dispatch, a response counts from its
 * end until its bytes are written, those the event-loop pass has yet to write included: two
 * answered at once hold back a third request pipelined behind them in the same read. A response
 * with nothing pipelined behind it is counted only when it ends behind bytes the socket already
 * refused (the next request comes in a later read, after this pass's write). Made for a
 * connection the first time one is counted.
 */
final class Http1ResponseFlood implements ChannelFutureListener {

    /** Envoy's kMaxOutboundResponses. */
    static final int MAX_OUTBOUND_RESPONSES = 2;

    private int outbound;

    /**
     * A response of {@code conn}'s ended: counted, until an empty write behind it completes, when
     * a request is {@code pipelined} behind it or it waits behind bytes the socket refused.
     * Returns the connection's count, made then.
     */
    static Http1ResponseFlood responseEnded(Http1ResponseFlood flood, FlushCoalescer conn, io.netty.channel.Channel ch,
                                            boolean pipelined) {
        io.netty.channel.ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
        if (out == null || (!pipelined && out.totalPendingWriteBytes() == 0)) {
            return flood;
        }
        Http1ResponseFlood f = flood != null ? flood : new Http1ResponseFlood();
        f.outbound++;
        conn.send(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(f);
        return f;
    }

    /** Whether a request beginning now is one too many. */
    boolean tooMany() {
        return outbound >= MAX_OUTBOUND_RESPONSES;
    }

    @Override
    public void operationComplete(ChannelFuture future) {
        outbound--;
    }
}

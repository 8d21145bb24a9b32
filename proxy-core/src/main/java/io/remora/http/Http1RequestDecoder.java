package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.upstream.Http1Parser;

import java.util.function.Consumer;

/**
 * The downstream connection's bytes into its {@link Http1Parser}, whose events go straight to the
 * {@link Http1Connection} (no message objects travel the pipeline). The {@link Http1HeaderGuard}
 * sees every read before it is parsed: header budget and header-phase timers.
 *
 * <p>No pipeline stage of its own: the connection's handler hands it each read, so an idle
 * connection keeps one handler context less. When an upgrade or tunnel takes the connection over
 * it {@link #leave leaves} and hands on the bytes it had not parsed, as they are, to the tunnel
 * (leaving while a read is being parsed defers the hand-over to the end of that read).
 *
 * <p>Held by its connection only from a request's first byte until the connection is idle again
 * ({@link #acquire}, {@link #release}): between requests the parser has nothing to remember, so an
 * idle keep-alive connection keeps neither (the worker keeps them for the next request of any
 * connection). The parser's listener is this decoder, which passes its events on to the
 * connection that holds it.
 */
final class Http1RequestDecoder implements Http1Parser.Listener {

    private static final io.netty.util.concurrent.FastThreadLocal<java.util.ArrayDeque<Http1RequestDecoder>> FREE =
            new io.netty.util.concurrent.FastThreadLocal<>() {
                @Override
                protected java.util.ArrayDeque<Http1RequestDecoder> initialValue() {
                    return new java.util.ArrayDeque<>();
                }
            };
    /** Free decoders a worker keeps at most: as many as requests in progress at once, beyond it garbage. */
    static final int MAX_FREE = 256;

    private ConnectionContext cx;
    private Http1Parser.Listener connection;
    private final int maxHeadBytes;
    /** From a request's first byte to its end; null between requests (the worker keeps it meanwhile). */
    private Http1HeaderGuard guard;
    final Http1Parser parser;
    private boolean reading;
    private boolean resuming;
    private boolean removed;
    /** Where the unparsed bytes go once the decoder left; set only then. */
    private Consumer<ByteBuf> rest;

    private Http1RequestDecoder(int maxHeadBytes) {
        this.maxHeadBytes = maxHeadBytes;
        this.parser = Http1Parser.requests(maxHeadBytes, this);
    }

    /** A decoder for {@code cx}'s next request, from the worker's free list when one there has its limit. */
    static Http1RequestDecoder acquire(ConnectionContext cx, Http1Parser.Listener connection) {
        int maxHeadBytes = cx.hcm.maxRequestHeadersBytes;
        java.util.ArrayDeque<Http1RequestDecoder> free = FREE.get();
        Http1RequestDecoder d = free.peekFirst();
        if (d != null && d.maxHeadBytes == maxHeadBytes) {
            free.pollFirst();
        } else {
            d = new Http1RequestDecoder(maxHeadBytes);
        }
        d.cx = cx;
        d.connection = connection;
        d.parser.options(cx.hcm.config.http1Options());
        return d;
    }

    /**
     * Whether the decoder may go back to the worker: no read being parsed, no byte of a next
     * request read, no request waiting to be answered, and it did not leave. The caller also
     * knows the parser was not stopped (its connection is neither closing nor answering a
     * request): a stopped parser never parses again.
     */
    boolean releasable() {
        return !reading && !removed && betweenRequests() && !parser.paused() && parser.head() == null;
    }

    /** Back to the worker's free list; it must be {@link #releasable}. */
    void release() {
        cx = null;
        connection = null;
        java.util.ArrayDeque<Http1RequestDecoder> free = FREE.get();
        if (free.size() < MAX_FREE) {
            free.addFirst(this);
        }
    }

    /** Free decoders of the calling worker (tests: on the worker's thread). */
    static int freeOnThisWorker() {
        return FREE.get().size();
    }

    @Override
    public void onHead(Http1Parser p) {
        connection.onHead(p);
    }

    @Override
    public void onBody(ByteBuf data, boolean last) {
        connection.onBody(data, last);
    }

    @Override
    public void onEnd(Http2Headers trailers) {
        connection.onEnd(trailers);
    }

    @Override
    public void onError(int status, String details) {
        connection.onError(status, details);
    }

    /** No byte of a next request has arrived (nor waits unparsed). */
    boolean betweenRequests() {
        return guard == null && parser.buffered() == 0;
    }

    /** Whether the decoder left: what is read now is not HTTP/1.1 any more. */
    boolean removed() {
        return removed;
    }

    /** One read of the connection. */
    void read(ChannelHandlerContext ctx, ByteBuf b) {
        if (!guard().admit(b.readableBytes())) {
            // Shed: nothing of it is parsed.
            b.release();
            ctx.close();
            return;
        }
        reading = true;
        try {
            parser.feed(ctx.alloc(), b);
        } finally {
            reading = false;
            readDone();
            if (removed) {
                handOver();
            }
        }
    }

    /** Parses what waited while the request before it was answered; the header phase restarts if bytes wait. */
    void resume(ChannelHandlerContext ctx) {
        if (removed) {
            return;
        }
        int buffered = parser.buffered();
        if (buffered > 0 && !guard().admit(buffered)) {
            parser.release();
            ctx.close();
            return;
        }
        reading = true;
        resuming = true;
        try {
            parser.resume();
        } finally {
            reading = false;
            readDone();
            resuming = false;
            if (removed) {
                handOver();
            }
        }
    }

    /** Whether the parser is on bytes that were read while the request before them was in progress. */
    boolean resuming() {
        return resuming;
    }

    /** The connection closed. */
    void close() {
        stopGuard();
        parser.release();
    }

    private Http1HeaderGuard guard() {
        Http1HeaderGuard g = guard;
        if (g == null) {
            guard = g = Http1HeaderGuard.acquire(cx);
        }
        return g;
    }

    /** A read was parsed: the guard arms what it must, and goes back to the worker if the request is over. */
    private void readDone() {
        Http1HeaderGuard g = guard;
        if (g != null) {
            g.readDone();
            if (g.idle()) {
                guard = null;
                g.release();
            }
        }
    }

    /** The request's head was parsed. */
    void headersComplete() {
        guard().headersComplete();
    }

    /** The request ended: the next bytes start the next request's head. */
    void requestComplete() {
        if (guard != null) {
            guard.requestComplete(); // null: nothing was read since the last one ended
        }
    }

    /** reduce_timeouts changed strength: a head in progress is judged by the new timeouts. */
    void rescale() {
        if (guard != null) {
            guard.rescale();
        }
    }

    /** No head is parsed any more: nothing is held, no header timer runs; the guard goes back. */
    void stopGuard() {
        Http1HeaderGuard g = guard;
        if (g != null) {
            guard = null;
            g.stop();
            g.release();
        }
    }

    /**
     * An upgrade or tunnel took the connection over: no head is awaited any more, and the bytes
     * not parsed yet go to {@code rest} (now, or at the end of the read being parsed).
     */
    void leave(Consumer<ByteBuf> rest) {
        if (removed) {
            return;
        }
        stopGuard();
        removed = true;
        this.rest = rest;
        parser.stop();
        if (!reading) {
            handOver();
        }
    }

    private void handOver() {
        ByteBuf b = parser.takeRemaining();
        parser.release();
        Consumer<ByteBuf> to = rest;
        rest = null;
        if (b != null) {
            if (to != null) {
                to.accept(b);
            } else {
                b.release();
            }
        }
    }
}

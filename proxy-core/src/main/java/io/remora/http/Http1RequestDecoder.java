package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
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
 */
final class Http1RequestDecoder {

    private final ConnectionContext cx;
    /** From a request's first byte to its end; null between requests (the worker keeps it meanwhile). */
    private Http1HeaderGuard guard;
    final Http1Parser parser;
    private boolean reading;
    private boolean resuming;
    private boolean removed;
    /** Where the unparsed bytes go once the decoder left; set only then. */
    private Consumer<ByteBuf> rest;

    Http1RequestDecoder(ConnectionContext cx, int maxHeadBytes, Http1Parser.Listener listener) {
        this.cx = cx;
        this.parser = Http1Parser.requests(maxHeadBytes, listener);
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

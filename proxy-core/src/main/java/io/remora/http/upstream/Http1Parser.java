package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.HeaderBlock;

/**
 * An incremental HTTP/1.1 message parser (RFC 9112), as Envoy's codec parses: bytes go straight
 * into the message's internal header block ({@link Http1Head#headers}) and body bytes are handed
 * on as retained slices of what was read, with no message objects in between. One parser serves
 * one connection, requests ({@link Http1Head#request}) or responses, one message after another.
 *
 * <p>A head (start line and header fields) is parsed once it is complete: its bytes are scanned
 * for the empty line as they arrive, then copied once into a single array that every name and
 * value of the head views ({@link Http1HeadDecoder}). Bodies are framed by chunked coding, content-length, or (responses)
 * the connection's end. The parser holds the bytes not yet consumed; arbitrary splits of the input
 * give the same events.
 *
 * <p>Not thread-safe; driven by its channel's event loop.
 */
public final class Http1Parser extends Http1ParserInput {

    /** What the parser found, in order: a head, body slices, an end (with trailers), or an error. */
    public interface Listener {
        /**
         * A head is complete: its fields are on {@link #head()}. When {@link Http1Head#bodyless()} is
         * set (no body framing, or the listener called {@link #noBody()}), the message ends here and
         * no {@link #onEnd} follows.
         */
        void onHead(Http1Parser parser);

        /**
         * Body bytes: a retained slice the listener owns (and releases). With {@code last} the
         * message ends with them (a body of known length), and no {@link #onEnd} follows.
         */
        void onBody(ByteBuf data, boolean last);

        /** The body ended (chunked, or with the connection); {@code trailers} is null when there were none. */
        void onEnd(Http2Headers trailers);

        /**
         * The input is not HTTP/1.1 this parser accepts: the status Envoy answers a request with
         * (400, 413, 431, 501) and its response code details. Nothing more is parsed.
         */
        void onError(int status, String details);
    }

    private static final int HEAD = 0;
    private static final int LENGTH = 1;
    private static final int CHUNK_SIZE = 2;
    private static final int CHUNK_DATA = 3;
    private static final int CHUNK_END = 4;
    private static final int TRAILERS = 5;
    private static final int UNTIL_CLOSE = 6;
    /** The rest of the input is not HTTP (an upgrade, CONNECT, or after an error). */
    private static final int STOPPED = 7;
    /** The rest of a chunk-size line too long to hold, skipped as it arrives ({@link #remaining}: its size). */
    private static final int CHUNK_EXT = 8;

    private final boolean request;
    /**
     * The message's head, from its parsing to the message's end; between messages the worker's
     * (an idle keep-alive connection keeps none, a message allocates none: {@link Http1Head#acquire}).
     */
    private Http1Head head;
    private final Listener listener;
    private int state = HEAD;
    private long remaining;
    private boolean paused;
    private boolean parsing;
    /** http_protocol_options of the connection's side (framing, methods, header case). */
    private io.remora.config.Http1Options options = io.remora.config.Http1Options.DEFAULT;

    /**
     * @param request        requests (downstream) or responses (upstream)
     * @param maxLineBytes   longest start line accepted
     * @param maxHeaderBytes longest header section (and trailer section) accepted
     */
    public Http1Parser(boolean request, int maxLineBytes, int maxHeaderBytes, Listener listener) {
        this(request, maxLineBytes, maxHeaderBytes, false, listener);
    }

    private Http1Parser(boolean request, int maxLineBytes, int maxHeaderBytes, boolean wholeHead, Listener listener) {
        super(maxLineBytes, maxHeaderBytes, wholeHead);
        this.request = request;
        this.listener = listener;
    }

    /**
     * A downstream connection's parser, as Envoy's server codec bounds a request: its whole head
     * (request line and header fields, BalsaParser's max_header_length) and its trailer section
     * each to {@code maxHeadBytes}.
     */
    public static Http1Parser requests(int maxHeadBytes, Listener listener) {
        return new Http1Parser(true, maxHeadBytes, maxHeadBytes, true, listener);
    }

    /** The connection's http_protocol_options; set before the first byte is fed. */
    public void options(io.remora.config.Http1Options options) {
        this.options = options;
    }

    /** The current message's head: valid in {@link Listener#onHead} (after it, the message's end gives it back). */
    public Http1Head head() {
        return head;
    }

    /** Takes {@code data} (its reference) and parses what it can. */
    public void feed(ByteBufAllocator alloc, ByteBuf data) {
        if (state == STOPPED) {
            data.release();
            return;
        }
        append(alloc, data);
        parse();
    }

    /** Parses what is buffered, unless paused or stopped. */
    public void parse() {
        if (parsing) {
            return; // a listener resumed from inside a callback: the running loop goes on
        }
        parsing = true;
        try {
            while (in != null && !paused && state != STOPPED && in.isReadable() && step()) {
                // each step consumed something or produced an event
            }
        } finally {
            parsing = false;
            compact();
            if (state == HEAD && head != null) {
                // Between messages, once every callback of this pass has returned: no one holds it.
                Http1Head h = head;
                head = null;
                h.release();
            }
        }
    }

    /** No new message is parsed until {@link #resume()}: the one before it is still being answered. */
    public void pause() {
        paused = true;
    }

    public boolean paused() {
        return paused;
    }

    /** Parses what was buffered while paused. */
    public void resume() {
        paused = false;
        parse();
    }

    /**
     * From {@link Listener#onHead}: the message has no body whatever its headers say (a response to
     * HEAD, 1xx, 204, 304).
     */
    public void noBody() {
        head.bodyless = true;
    }

    /**
     * From {@link Listener#onHead}, or later: what follows is not HTTP (an upgrade or CONNECT
     * tunnel); {@link #takeRemaining()} hands it over.
     */
    public void stop() {
        state = STOPPED;
    }

    /**
     * The input ended. A body framed by the connection's end ends here; any other message begun
     * and not finished (a head, a body short of its length, a chunked body without its last
     * chunk) was cut short, which Envoy's BalsaParser fails as HPE_INVALID_EOF_STATE.
     *
     * @return true when a message was cut short
     */
    public boolean endOfInput() {
        if (state == UNTIL_CLOSE) {
            state = HEAD;
            listener.onEnd(null);
            return false;
        }
        return state != STOPPED && (state != HEAD || buffered() > 0);
    }

    /** Releases what is buffered; nothing more is parsed. */
    public void release() {
        state = STOPPED;
        releaseInput();
    }

    /** One step of the state machine; false when more input is needed. */
    private boolean step() {
        switch (state) {
            case HEAD:
                return parseHead();
            case LENGTH: {
                int n = (int) Math.min(remaining, in.readableBytes());
                remaining -= n;
                ByteBuf slice = take(n);
                if (remaining == 0) {
                    state = HEAD;
                    listener.onBody(slice, true);
                } else {
                    listener.onBody(slice, false);
                }
                return true;
            }
            case CHUNK_SIZE:
                return chunkSize();
            case CHUNK_EXT:
                return chunkExtension();
            case CHUNK_DATA: {
                int n = (int) Math.min(remaining, in.readableBytes());
                remaining -= n;
                if (remaining == 0) {
                    state = CHUNK_END;
                }
                listener.onBody(take(n), false);
                return true;
            }
            case CHUNK_END:
                return chunkEnd();
            case TRAILERS:
                return trailers();
            case UNTIL_CLOSE:
                listener.onBody(take(in.readableBytes()), false);
                return true;
            default:
                return false;
        }
    }

    // ---- heads ----

    private boolean parseHead() {
        if (scanNotStarted()) {
            if (!request) {
                // Envoy's BalsaParser wants 'H' as the first byte of every response (HPE_INVALID_CONSTANT):
                // BalsaFrame would skip empty lines before one, as before a request, but never sees them.
                if (in.getByte(in.readerIndex()) != 'H') {
                    fail(502, "http1.codec_error");
                    return false;
                }
            } else if (!options.allowCustomMethods()) {
                // So does a request's first byte, every request of the connection (HPE_INVALID_METHOD):
                // empty lines before one are refused too, unless allow_custom_methods lets Balsa skip them.
                if (!Http1StartLine.methodStart(in.getByte(in.readerIndex()))) {
                    fail(400, "http1.codec_error");
                    return false;
                }
            } else if (!skipEmptyLines(in)) {
                return false;
            }
        }
        int end = findSectionEnd(in, true);
        if (end == -2) {
            fail(request ? 431 : 502, "http1.headers_too_large");
            return false;
        }
        if (end < 0) {
            return false;
        }
        int length = end;
        int lineEnd = startLineEnd();
        restartScan();
        // Parsed from the worker's scratch copy; what the message keeps is copied out of it.
        byte[] bytes = Http1FieldLines.scratch(length);
        in.readBytes(bytes, 0, length);
        if (head == null) {
            head = Http1Head.acquire(request);
        }
        head.reset();
        String error = Http1HeadDecoder.decode(head, bytes, lineEnd, length, options);
        if (error != null) {
            fail(error == Http1Head.NOT_IMPLEMENTED ? 501 : 400, error == Http1Head.NOT_IMPLEMENTED
                    ? "http1.invalid_transfer_encoding" : error);
            return false;
        }
        listener.onHead(this);
        if (state == STOPPED) {
            return false;
        }
        if (head.bodyless) {
            state = HEAD;
        } else if (head.chunked) {
            state = CHUNK_SIZE;
        } else if (head.contentLength > 0) {
            state = LENGTH;
            remaining = head.contentLength;
        } else if (head.contentLength < 0 && !head.request) {
            state = UNTIL_CLOSE;
        } else {
            // Set in frame(): a request without length or chunks, or a length of zero, is bodyless.
            state = HEAD;
        }
        return true;
    }

    // ---- chunked coding ----

    /** chunk-size [ chunk-ext ] CRLF. */
    private boolean chunkSize() {
        long size = Http1ChunkFraming.sizeLine(in);
        if (size == Http1ChunkFraming.LONG_LINE && (size = Http1ChunkFraming.longLineSize(in)) >= 0) {
            state = CHUNK_EXT;
            remaining = size;
            return true;
        }
        return size != Http1ChunkFraming.NEED_MORE && chunkStarts(size);
    }

    /** The rest of a long chunk-size line, up to its CR LF. */
    private boolean chunkExtension() {
        int r = Http1ChunkFraming.extension(in);
        return r != 0 && chunkStarts(r > 0 ? remaining : Http1ChunkFraming.INVALID);
    }

    /** After a chunk-size line of {@code size} (0: the trailers follow; negative: not a chunk-size line). */
    private boolean chunkStarts(long size) {
        if (size < 0) {
            fail(400, "http1.codec_error");
            return false;
        }
        if (size == 0) {
            state = TRAILERS;
            restartScan();
        } else {
            state = CHUNK_DATA;
            remaining = size;
        }
        return true;
    }

    /** The CRLF after a chunk's data. */
    private boolean chunkEnd() {
        int r = Http1ChunkFraming.dataEnd(in);
        if (r < 0) {
            fail(400, "http1.codec_error");
        } else if (r > 0) {
            state = CHUNK_SIZE;
        }
        return r > 0;
    }

    /** The trailer section after the last chunk, up to its empty line. */
    private boolean trailers() {
        int end = findSectionEnd(in, false);
        if (end == -2) {
            fail(request ? 431 : 502, "http1.headers_too_large");
            return false;
        }
        if (end < 0) {
            return false;
        }
        restartScan();
        HeaderBlock trailers = null;
        if (end > 2) { // more than the empty line
            byte[] bytes = Http1FieldLines.scratch(end);
            in.readBytes(bytes, 0, end);
            trailers = new HeaderBlock(0);
            String error = Http1FieldLines.fields(head, trailers, bytes, 0, end, false, null);
            if (error != null) {
                fail(400, error);
                return false;
            }
        } else {
            in.skipBytes(end);
        }
        state = HEAD;
        listener.onEnd(trailers != null && !trailers.isEmpty() ? trailers : null);
        return true;
    }

    private void fail(int status, String details) {
        state = STOPPED;
        discardInput();
        listener.onError(status, details);
    }
}

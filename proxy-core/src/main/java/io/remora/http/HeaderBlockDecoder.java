package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.DecoratingHttp2ConnectionDecoder;
import io.netty.handler.codec.http2.DefaultHttp2ConnectionDecoder;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameReader;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Stream;

import java.lang.reflect.Field;
import java.util.logging.Level;

/**
 * Netty's HPACK decoding into {@link HeaderBlock}s instead of {@code DefaultHttp2Headers}: the
 * same decoder ({@link DefaultHttp2HeadersDecoder}, its limits and checks), with only
 * {@link #newHeaders()} changed.
 *
 * <p>Netty's connection-handler builder makes its own headers decoder and offers no option for
 * another, while it alone applies Netty's flood protections (control-frame and RST limits, empty
 * DATA frames), which are not public to assemble by hand. So {@link #install} lets the builder
 * build, then puts this decoder in the place of the one it made, inside the frame reader, before
 * the connection reads a byte. Should a Netty release move those fields, nothing breaks: the
 * connection keeps Netty's block (logged once); {@code HeaderBlockDecoderTest} fails so that the
 * loss is seen.
 */
public final class HeaderBlockDecoder extends DefaultHttp2HeadersDecoder {

    private static final java.util.logging.Logger LOG = io.remora.log.Logging.logger("http2");

    /** Headers the proxy adds to a decoded block (x-forwarded-proto, x-request-id...) fit without growing it. */
    private static final int ROOM = 4;

    private static final Field DELEGATE = field(DecoratingHttp2ConnectionDecoder.class, Http2ConnectionDecoder.class);
    private static final Field FRAME_READER = field(DefaultHttp2ConnectionDecoder.class, Http2FrameReader.class);
    private static final Field HEADERS_DECODER = field(DefaultHttp2FrameReader.class, Http2HeadersDecoder.class);
    private static volatile boolean warned;

    private final Http2Connection connection;
    /** The kind of map the block being decoded becomes: set per block, read by {@link #newHeaders()}. */
    private InlineHeaders.Kind kind;
    /**
     * The stream whose HEADERS frame is being decoded and has not reached the connection's listener
     * yet (0 once it has): a stream error raised meanwhile is about the request's header block.
     */
    private int decoding;
    /** The block being decoded is the stream's second (trailers). */
    private boolean decodingTrailers;
    /** Netty had marked the stream's trailers received before the block being decoded. */
    private boolean trailersBefore;
    /** The block being decoded passed HPACK and the field checks: a later error is Netty's listener's. */
    private Http2Headers decoded;
    /** The highest stream a peer's HEADERS opened, one whose block was refused included. */
    private int highestOpened;
    /** A stream opened and closed before its first block ended (its header phase timed out), or 0. */
    private int answeredEarly;

    HeaderBlockDecoder(boolean validate, long maxHeaderListSize, Http2Connection connection) {
        super(validate, maxHeaderListSize, -1);
        this.connection = connection;
    }

    @Override
    protected Http2Headers newHeaders() {
        int capacity = numberOfHeadersGuess() + ROOM;
        HeaderBlock b = validateHeaders() ? HeaderBlock.validating(capacity) : new HeaderBlock(capacity);
        b.joinAs(kind);
        return b;
    }

    @Override
    public Http2Headers decodeHeaders(int streamId, ByteBuf headerBlock) throws Http2Exception {
        // Decoding comes before the listener opens the stream and marks its headers received, so a
        // stream whose headers were received is reading its trailers.
        Http2Stream stream = connection == null ? null : connection.stream(streamId);
        boolean trailers = stream != null && stream.isHeadersReceived();
        boolean server = connection == null || connection.isServer();
        boolean late = streamId == answeredEarly;
        if (late) {
            answeredEarly = 0;
        }
        if (stream == null && server && connection != null && connection.remote().isValidStreamId(streamId)) {
            if (late) {
                // The end of a block whose stream was answered and reset before it came: decoded,
                // for the HPACK table's sake, then dropped as a frame for a closed stream, as
                // Envoy's codec drops it for a stream it no longer has.
            } else if (streamId <= connection.remote().lastStreamCreated()) {
                // As Envoy's codec (oghttp2's OnHeaders): a HEADERS frame for a stream no longer
                // open, or below the last one opened, is no new stream (kInvalidNewStreamId).
                throw Http2Exception.connectionError(io.netty.handler.codec.http2.Http2Error.PROTOCOL_ERROR,
                        "HEADERS for stream %d, which is closed or below the last stream opened", streamId);
            }
            highestOpened = streamId;
        }
        decoding = streamId;
        decodingTrailers = trailers;
        trailersBefore = stream != null && stream.isTrailersReceived();
        decoded = null;
        kind = server ? (trailers ? InlineHeaders.Kind.REQUEST_TRAILERS : InlineHeaders.Kind.REQUEST_HEADERS)
                : trailers ? InlineHeaders.Kind.RESPONSE_TRAILERS : InlineHeaders.Kind.RESPONSE_HEADERS;
        Http2Headers h = super.decodeHeaders(streamId, headerBlock);
        if (h instanceof HeaderBlock b) {
            b.stopValidating();
        }
        decoded = h;
        return h;
    }

    /** Stream {@code streamId} was opened, answered and reset while its first header block still arrived. */
    void answeredBeforeItsBlock(int streamId) {
        answeredEarly = streamId;
    }

    /** The connection's listener has the block of this stream's HEADERS: errors from now on are not the block's. */
    public void delivered() {
        decoding = 0;
        decoded = null;
    }

    /**
     * A stream error on the stream being decoded, after its block passed the field checks, for a
     * header block the stream may not have: a second one without END_STREAM, or one after its
     * trailers (Netty's "too many headers"; a pseudo-header in trailers, Netty's other refusal of
     * a decoded trailers block, is not this). Envoy's codec takes such a block for a new stream at
     * or below the last one (oghttp2's OnHeaders, kInvalidNewStreamId): a connection error.
     */
    boolean extraBlock(int streamId) {
        if (decoding != streamId || !decodingTrailers || decoded == null || contentLengthAtEnd(streamId)) {
            return false;
        }
        for (CharSequence name : decoded.names()) {
            if (name.length() > 0 && name.charAt(0) == ':') {
                return false;
            }
        }
        return true;
    }

    /** Whether a stream error on this stream came while its HEADERS block was being decoded or checked. */
    public boolean decoding(int streamId) {
        return decoding == streamId;
    }

    /**
     * Netty checks a request's content-length against END_STREAM after it marks the block received,
     * and nothing after that mark fails: a stream error past it, on the stream being decoded, is
     * that check's.
     */
    public boolean contentLengthAtEnd(int streamId) {
        Http2Stream s = connection == null || decoding != streamId ? null : connection.stream(streamId);
        return s != null && (decodingTrailers ? !trailersBefore && s.isTrailersReceived() : s.isHeadersReceived());
    }

    /** The last stream id a GOAWAY for a connection error names, as Envoy's codec's highest_processed_stream_id. */
    int highestOpened() {
        return Math.max(highestOpened, connection == null ? 0 : connection.remote().lastStreamCreated());
    }

    /**
     * Replaces the headers decoder of a codec Netty's builder made with one of these, with the
     * same validation and header-list limit. True when it did.
     */
    public static boolean install(Http2ConnectionDecoder decoder, boolean validate) {
        return installed(decoder, validate) != null;
    }

    /** As {@link #install}: the decoder now in place, or null when the codec keeps Netty's. */
    public static HeaderBlockDecoder installed(Http2ConnectionDecoder decoder, boolean validate) {
        try {
            Http2ConnectionDecoder d = decoder;
            while (d instanceof DecoratingHttp2ConnectionDecoder && DELEGATE != null) {
                d = (Http2ConnectionDecoder) DELEGATE.get(d);
            }
            if (d instanceof DefaultHttp2ConnectionDecoder && FRAME_READER != null && HEADERS_DECODER != null
                    && FRAME_READER.get(d) instanceof DefaultHttp2FrameReader reader
                    && HEADERS_DECODER.get(reader) instanceof DefaultHttp2HeadersDecoder old) {
                if (old instanceof HeaderBlockDecoder installed) {
                    return installed;
                }
                HeaderBlockDecoder mine = new HeaderBlockDecoder(validate, old.maxHeaderListSize(), decoder.connection());
                mine.maxHeaderListSize(old.maxHeaderListSize(), old.maxHeaderListSizeGoAway());
                mine.maxHeaderTableSize(old.maxHeaderTableSize());
                HEADERS_DECODER.set(reader, mine);
                return mine;
            }
        } catch (ReflectiveOperationException | RuntimeException | Http2Exception e) {
            LOG.log(Level.FINE, "HPACK decoding keeps Netty's header block: " + e, e);
        }
        if (!warned) {
            warned = true;
            LOG.fine("HPACK decoding keeps Netty's header block: this Netty's codec is not laid out as expected");
        }
        return null;
    }

    /**
     * Puts {@code wrap}'s reader in the place of the frame reader of a codec Netty's builder made,
     * after {@link #installed} (which looks for Netty's reader there). True when it did.
     */
    static boolean wrapFrameReader(Http2ConnectionDecoder decoder,
                                   java.util.function.UnaryOperator<Http2FrameReader> wrap) {
        try {
            Http2ConnectionDecoder d = decoder;
            while (d instanceof DecoratingHttp2ConnectionDecoder && DELEGATE != null) {
                d = (Http2ConnectionDecoder) DELEGATE.get(d);
            }
            if (d instanceof DefaultHttp2ConnectionDecoder && FRAME_READER != null
                    && FRAME_READER.get(d) instanceof Http2FrameReader reader) {
                FRAME_READER.set(d, wrap.apply(reader));
                return true;
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(Level.FINE, "the frame reader stays Netty's: " + e, e);
        }
        return false;
    }

    /** The one field of {@code owner} of type {@code type}, made accessible; null when there is not exactly one. */
    static Field field(Class<?> owner, Class<?> type) {
        Field found = null;
        for (Field f : owner.getDeclaredFields()) {
            if (f.getType() == type && !java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
                if (found != null) {
                    return null;
                }
                found = f;
            }
        }
        try {
            if (found != null) {
                found.setAccessible(true);
            }
            return found;
        } catch (RuntimeException e) {
            return null;
        }
    }
}

package io.remora.extensions.filters.http.grpc_web;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.http.GrpcHttpStatus;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;
import io.remora.http.upstream.HeaderConversion;
import io.remora.overload.BufferedBytes;

import java.util.Map;

/**
 * Envoy's gRPC-Web filter for one stream. A request whose content-type is exactly one of the four
 * gRPC-Web types (and that has a :path) goes upstream as gRPC: content-type application/grpc,
 * te: trailers, grpc-accept-encoding: identity unless present, no content-length, a -text body
 * base64-decoded as it streams. The response gets a gRPC-Web content-type (-text+proto when the
 * request's accept asked for text); its trailers become a trailer frame (flag 0x80) at the end of
 * the body; with text, each gRPC frame and the trailer frame are base64-encoded on their own. A
 * response that is neither gRPC nor gRPC-Web (an HTTP error, a local reply) keeps its status and
 * gets grpc-status mapped from it and grpc-message from the first 16 KiB of its body, which is
 * dropped. Anything else passes untouched (CORS preflights included).
 */
final class GrpcWebFilter implements StreamFilter, BufferedBytes {

    private static final AsciiString CONTENT_TYPE = AsciiString.cached("content-type");
    private static final AsciiString CONTENT_LENGTH = AsciiString.cached("content-length");
    private static final AsciiString ACCEPT = AsciiString.cached("accept");
    private static final AsciiString TE = AsciiString.cached("te");
    private static final AsciiString TRAILERS = AsciiString.cached("trailers");
    private static final AsciiString GRPC_ACCEPT_ENCODING = AsciiString.cached("grpc-accept-encoding");
    private static final AsciiString IDENTITY = AsciiString.cached("identity");
    private static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    private static final AsciiString GRPC_MESSAGE = AsciiString.cached("grpc-message");
    private static final AsciiString ZERO = AsciiString.cached("0");
    private static final AsciiString APPLICATION_GRPC = AsciiString.cached("application/grpc");
    private static final AsciiString GRPC_WEB = AsciiString.cached("application/grpc-web");
    private static final AsciiString GRPC_WEB_PROTO = AsciiString.cached("application/grpc-web+proto");
    private static final AsciiString GRPC_WEB_TEXT = AsciiString.cached("application/grpc-web-text");
    private static final AsciiString GRPC_WEB_TEXT_PROTO = AsciiString.cached("application/grpc-web-text+proto");
    static final String BAD_BASE64 = "Bad gRPC-web request, invalid base64 data.";
    /** Envoy's bound on what a non-gRPC response body gives grpc-message. */
    static final int MAX_BUFFERED_PLAINTEXT = 16384;
    private static final int TRAILER_FLAG = 0x80;
    private static final int FRAME_HEADER = 5;
    private static final int MAX_FRAME_PIECES = 1024;

    private final GrpcWebStats stats;
    private DecoderFilterCallbacks decoder;
    private EncoderFilterCallbacks encoder;
    private boolean grpcWeb;
    private boolean textRequest;
    private boolean textResponse;
    private boolean failed;
    /** The response is neither gRPC nor gRPC-Web: its headers wait for grpc-status/grpc-message. */
    private boolean transformResponse;
    private Http2Headers heldResponseHeaders;
    private GrpcWebStats.Call call;
    /** Request: fewer than 4 base64 characters not decoded yet. */
    private ByteBuf undecoded;
    /** Text response: the start of a gRPC frame not complete yet. */
    private ByteBuf partialFrame;
    /** Body of a response being transformed, up to {@link #MAX_BUFFERED_PLAINTEXT}. */
    private ByteBuf plaintext;

    GrpcWebFilter(GrpcWebStats stats) {
        this.stats = stats;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.decoder = callbacks;
    }

    @Override
    public void setEncoderFilterCallbacks(EncoderFilterCallbacks callbacks) {
        this.encoder = callbacks;
    }

    // ------------------------------------------------------------------ request

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        CharSequence ct = headers.get(CONTENT_TYPE);
        if (ct == null || headers.path() == null) {
            return FilterStatus.CONTINUE;
        }
        // Exact, case-sensitive matches, as Envoy's: parameters or other subtypes are not gRPC-Web.
        if (GRPC_WEB_TEXT.contentEquals(ct) || GRPC_WEB_TEXT_PROTO.contentEquals(ct)) {
            textRequest = true;
        } else if (!GRPC_WEB.contentEquals(ct) && !GRPC_WEB_PROTO.contentEquals(ct)) {
            return FilterStatus.CONTINUE;
        }
        grpcWeb = true;
        // An HTTP/1.1 length is not the length of the gRPC body the upstream gets.
        headers.remove(CONTENT_LENGTH);
        trackStats(headers.path());
        headers.set(CONTENT_TYPE, APPLICATION_GRPC);
        CharSequence accept = headers.get(ACCEPT);
        textResponse = accept != null && (GRPC_WEB_TEXT.contentEquals(accept) || GRPC_WEB_TEXT_PROTO.contentEquals(accept));
        headers.set(TE, TRAILERS);
        if (!headers.contains(GRPC_ACCEPT_ENCODING)) {
            headers.set(GRPC_ACCEPT_ENCODING, IDENTITY);
        }
        return FilterStatus.CONTINUE;
    }

    private void trackStats(CharSequence path) {
        String cluster = decoder.clusterName();
        if (cluster != null) {
            call = stats.call(cluster, path.toString());
        }
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean endStream) {
        if (!textRequest) {
            return FilterStatus.CONTINUE;
        }
        if (failed) {
            data.release();
            return FilterStatus.STOP_ITERATION;
        }
        int available = data.readableBytes() + (undecoded == null ? 0 : undecoded.readableBytes());
        if (endStream) {
            if (available == 0) {
                return FilterStatus.CONTINUE;
            }
            if (available % 4 != 0) {
                // Padding is mandatory: a text body is whole groups of four.
                data.release();
                return reject("grpc_base_64_decode_failed_bad_size");
            }
        } else if (available < 4) {
            keepUndecoded(data);
            return FilterStatus.STOP_ITERATION;
        }
        ByteBuf in = data;
        if (undecoded != null) {
            // Decoded as one run with what came before, so padding mid-run is refused as Envoy does.
            in = ByteBufAllocator.DEFAULT.compositeBuffer(2).addComponents(true, undecoded, data);
            undecoded = null;
        }
        int whole = available & ~3;
        ByteBuf out = ByteBufAllocator.DEFAULT.buffer(whole / 4 * 3);
        if (!GrpcWebBase64.decode(in, whole, out)) {
            out.release();
            in.release();
            return reject("grpc_base_64_decode_failed");
        }
        in.skipBytes(whole);
        keepUndecoded(in);
        decoder.injectDecodedDataToFilterChain(out, endStream);
        return FilterStatus.STOP_ITERATION;
    }

    /** Keeps the (at most three) unread bytes of {@code in}, which is released. */
    private void keepUndecoded(ByteBuf in) {
        if (in.isReadable()) {
            if (undecoded == null) {
                undecoded = ByteBufAllocator.DEFAULT.buffer(4);
            }
            undecoded.writeBytes(in);
        }
        in.release();
    }

    private FilterStatus reject(String details) {
        failed = true;
        decoder.sendLocalReply(400, BAD_BASE64, null, details);
        return FilterStatus.STOP_ITERATION;
    }

    // ------------------------------------------------------------------ response

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        if (!grpcWeb) {
            return FilterStatus.CONTINUE;
        }
        charge(headers);
        int status = HeaderConversion.parseStatus(headers.status());
        transformResponse = !GrpcWebResponses.isGrpc(headers, status, endStream)
                && !GrpcWebResponses.isProtoGrpcWeb(headers, status);
        headers.remove(CONTENT_LENGTH);
        headers.set(CONTENT_TYPE, textResponse ? GRPC_WEB_TEXT_PROTO : GRPC_WEB_PROTO);
        if (endStream || !transformResponse) {
            return FilterStatus.CONTINUE;
        }
        heldResponseHeaders = headers;
        return FilterStatus.STOP_ITERATION;
    }

    @Override
    public FilterStatus encodeData(ByteBuf data, boolean endStream) {
        if (!grpcWeb) {
            return FilterStatus.CONTINUE;
        }
        if (transformResponse) {
            if (!endStream) {
                keepPlaintext(data);
                data.release();
                return FilterStatus.STOP_ITERATION;
            }
            if (plaintext != null) {
                keepPlaintext(data);
            }
            // A body in one piece (a local reply) is taken whole, as Envoy does; a streamed one up to the bound.
            finishTransform(plaintext != null ? plaintext : data);
            // Nothing of the body goes on: it is in grpc-message now (the held headers go with this).
            data.skipBytes(data.readableBytes());
            return FilterStatus.CONTINUE;
        }
        if (!textResponse) {
            return FilterStatus.CONTINUE;
        }
        ByteBuf in = partialFrame == null ? data : append(partialFrame, data);
        partialFrame = null;
        ByteBuf out = null;
        while (in.readableBytes() >= FRAME_HEADER) {
            long frame = FRAME_HEADER + in.getUnsignedInt(in.readerIndex() + 1);
            if (in.readableBytes() < frame) {
                break;
            }
            if (out == null) {
                out = ByteBufAllocator.DEFAULT.buffer((in.readableBytes() + 2) / 3 * 4);
            }
            GrpcWebBase64.encode(in, in.readerIndex(), (int) frame, out);
            in.skipBytes((int) frame);
        }
        if (in.isReadable()) {
            if (in instanceof CompositeByteBuf c) {
                c.discardReadComponents();
            }
            partialFrame = in;
        } else {
            in.release();
        }
        if (out != null || endStream) {
            // At the end a partial frame is dropped, as Envoy's decoder drops it; the end still goes on.
            encoder.injectEncodedDataToFilterChain(out != null ? out : Unpooled.EMPTY_BUFFER, endStream);
        }
        return FilterStatus.STOP_ITERATION;
    }

    @Override
    public FilterStatus encodeTrailers(Http2Headers trailers) {
        if (!grpcWeb) {
            return FilterStatus.CONTINUE;
        }
        charge(trailers);
        if (transformResponse) {
            finishTransform(plaintext != null ? plaintext : Unpooled.EMPTY_BUFFER);
            return FilterStatus.CONTINUE;
        }
        ByteBuf frame = ByteBufAllocator.DEFAULT.buffer(64);
        frame.writeByte(TRAILER_FLAG).writeInt(0);
        for (Map.Entry<CharSequence, CharSequence> e : trailers) {
            ByteBufUtil.writeAscii(frame, e.getKey());
            frame.writeByte(':');
            ByteBufUtil.writeAscii(frame, e.getValue());
            frame.writeByte('\r').writeByte('\n');
        }
        frame.setInt(1, frame.readableBytes() - FRAME_HEADER);
        // The trailers are in the body now: none go out as trailers.
        trailers.clear();
        if (textResponse) {
            ByteBuf text = ByteBufAllocator.DEFAULT.buffer((frame.readableBytes() + 2) / 3 * 4);
            GrpcWebBase64.encode(frame, frame.readerIndex(), frame.readableBytes(), text);
            frame.release();
            frame = text;
        }
        release(partialFrame);
        partialFrame = null;
        encoder.injectEncodedDataToFilterChain(frame, true);
        return FilterStatus.STOP_ITERATION;
    }

    /** Envoy's chargeStat: a grpc-status in these headers or trailers counts the call. */
    private void charge(Http2Headers headers) {
        if (call != null) {
            CharSequence status = headers.get(GRPC_STATUS);
            if (status != null) {
                call.charge(status);
            }
        }
    }

    private void keepPlaintext(ByteBuf data) {
        if (plaintext == null) {
            plaintext = ByteBufAllocator.DEFAULT.buffer(Math.min(data.readableBytes(), MAX_BUFFERED_PLAINTEXT));
        }
        int room = MAX_BUFFERED_PLAINTEXT - plaintext.readableBytes();
        if (room > 0) {
            plaintext.writeBytes(data, data.readerIndex(), Math.min(room, data.readableBytes()));
        }
    }

    /** The held headers get grpc-status from :status, grpc-message from the body, and no body. */
    private void finishTransform(ByteBuf body) {
        transformResponse = false;
        Http2Headers h = heldResponseHeaders;
        heldResponseHeaders = null;
        h.set(GRPC_MESSAGE, io.remora.http.PercentEncoding.grpcMessage(body));
        h.setInt(GRPC_STATUS, GrpcHttpStatus.fromHttp(HeaderConversion.parseStatus(h.status())));
        h.set(CONTENT_LENGTH, ZERO);
        release(plaintext);
        plaintext = null;
    }

    private static ByteBuf append(ByteBuf head, ByteBuf tail) {
        // Room for many pieces: a large message arriving in small frames is not copied over and over.
        CompositeByteBuf c = head instanceof CompositeByteBuf existing ? existing
                : ByteBufAllocator.DEFAULT.compositeBuffer(MAX_FRAME_PIECES).addComponent(true, head);
        return c.addComponent(true, tail);
    }

    @Override
    public long bufferedBytes() {
        return size(undecoded) + size(partialFrame) + size(plaintext);
    }

    private static long size(ByteBuf b) {
        return b == null ? 0 : b.readableBytes();
    }

    private static void release(ByteBuf b) {
        if (b != null) {
            b.release();
        }
    }

    @Override
    public void onDestroy() {
        release(undecoded);
        release(partialFrame);
        release(plaintext);
        undecoded = null;
        partialFrame = null;
        plaintext = null;
    }
}

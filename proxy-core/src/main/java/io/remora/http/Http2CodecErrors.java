package io.remora.http;

import io.netty.handler.codec.http2.Http2Exception;

/**
 * The response code details Envoy's connection manager gives the streams of a connection it
 * closes for a codec error ({@code handleCodecError}): {@code codec_error:} and the error
 * dispatch returned, its white space turned to {@code _}. What that error says depends on who
 * found the fault; the strings are made once, as a codec error is no reason to allocate.
 */
final class Http2CodecErrors {

    /**
     * A request the codec refused as invalid (a messaging error costing the connection): the codec's
     * callback fails the frame, and both nghttp2 and oghttp2 (kVisitorCallbackFailed) make
     * dispatch return NGHTTP2_ERR_CALLBACK_FAILURE, which nghttp2_strerror names so.
     */
    static final String CALLBACK_FAILED = details("The user callback function failed");

    /**
     * A violation the HTTP/2 library found itself (a frame out of place, a bad size): oghttp2, the
     * default codec, latches the error and returns kUnspecified (-1), which nghttp2_strerror knows
     * by no name.
     */
    static final String LIBRARY_ERROR = details("Unknown error code");

    private Http2CodecErrors() {
    }

    /** Envoy's {@code absl::StrCat("codec_error:", StringUtil::replaceAllEmptySpace(error))}. */
    static String details(String error) {
        StringBuilder b = new StringBuilder("codec_error:".length() + error.length()).append("codec_error:");
        for (int i = 0; i < error.length(); i++) {
            char c = error.charAt(i);
            b.append(Character.isWhitespace(c) ? '_' : c);
        }
        return b.toString();
    }

    /** As Netty's (package-private) Http2CodecUtil.getEmbeddedHttp2Exception. */
    static Http2Exception embedded(Throwable cause) {
        while (cause != null) {
            if (cause instanceof Http2Exception e) {
                return e;
            }
            cause = cause.getCause();
        }
        return null;
    }
}

package io.remora.http;

import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.internal.PlatformDependent;

/**
 * What a {@link HeaderBlock#validating validating} block refuses as HPACK fills it, as Netty's
 * validating {@code DefaultHttp2Headers} did (RFC 9113 8.2.1, 8.3): an empty or upper-case name,
 * an unknown pseudo-header, a repeated or empty one; and, as Envoy's codecs, a name that is no
 * token, a value with NUL, CR or LF, a content-length that is no number. The {@link Http2Exception} is thrown as
 * Netty's is; the HPACK decoder turns it into a stream error (RST_STREAM PROTOCOL_ERROR).
 * Pseudo-headers after regular ones, and connection-specific headers, the HPACK decoder checks itself.
 */
final class Http2FieldRules {

    private Http2FieldRules() {
    }

    static void check(HeaderBlock block, CharSequence name, CharSequence value, boolean forAdd) {
        if (name.length() == 0) {
            refuse("empty headers are not allowed [%s]", name);
        }
        if (name.charAt(0) == ':') {
            if (!Http2Headers.PseudoHeaderName.isPseudoHeader(name)) {
                refuse("Invalid HTTP/2 pseudo-header '%s' encountered.", name);
            }
            if (forAdd && block.contains(name)) {
                refuse("Duplicate HTTP/2 pseudo-header '%s' encountered.", name);
            }
            if (value.length() == 0) {
                refuse("HTTP/2 pseudo-header '%s' must not be empty.", name);
            }
            return;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!HttpTokens.tchar(c) || (c >= 'A' && c <= 'Z')) {
                refuse("invalid header name [%s]", name);
            }
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == 0 || c == '\r' || c == '\n') {
                // As Envoy's HTTP/2 codecs (nghttp2 and oghttp2 both): such a value could end a
                // line of the HTTP/1.1 request or response it may become.
                refuse("invalid header value for [%s]", name);
            }
        }
        if (name.length() == CONTENT_LENGTH.length() && CONTENT_LENGTH.contentEquals(name) && !contentLength(value)) {
            // oghttp2's HandleContentLength: a value SimpleAtoi does not take is an invalid
            // field (a messaging error), not the mismatch Netty would reset the stream for.
            refuse("invalid content-length [%s]", name);
        }
        if (forAdd && name.length() == CONTENT_LENGTH.length() && CONTENT_LENGTH.contentEquals(name)) {
            CharSequence first = block.get(CONTENT_LENGTH);
            if (first != null && !sameNumber(first, value)) {
                // oghttp2's HandleContentLength: a second length that differs is an invalid field.
                refuse("conflicting content-length [%s]", name);
            }
        }
    }

    /** Two values {@link #contentLength} took, compared as numbers: space, '+' and leading zeros aside. */
    static boolean sameNumber(CharSequence a, CharSequence b) {
        int i = digitsFrom(a);
        int j = digitsFrom(b);
        int ea = digitsEnd(a);
        int eb = digitsEnd(b);
        if (ea - i != eb - j) {
            return false;
        }
        for (; i < ea; i++, j++) {
            if (a.charAt(i) != b.charAt(j)) {
                return false;
            }
        }
        return true;
    }

    private static int digitsFrom(CharSequence v) {
        int i = 0;
        while (i < v.length() && (space(v.charAt(i)) || v.charAt(i) == '+')) {
            i++;
        }
        int end = digitsEnd(v);
        while (i < end - 1 && v.charAt(i) == '0') {
            i++;
        }
        return i;
    }

    private static int digitsEnd(CharSequence v) {
        int end = v.length();
        while (end > 0 && space(v.charAt(end - 1))) {
            end--;
        }
        return end;
    }

    private static final io.netty.util.AsciiString CONTENT_LENGTH = io.netty.util.AsciiString.cached("content-length");

    /** An unsigned 64-bit number as absl::SimpleAtoi reads one: white space around it, an optional '+'. */
    static boolean contentLength(CharSequence v) {
        int i = 0;
        int end = v.length();
        while (i < end && space(v.charAt(i))) {
            i++;
        }
        while (end > i && space(v.charAt(end - 1))) {
            end--;
        }
        if (i < end && v.charAt(i) == '+') {
            i++;
        }
        if (i == end) {
            return false;
        }
        long n = 0;
        for (; i < end; i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
            int d = c - '0';
            if (Long.compareUnsigned(n, Long.divideUnsigned(-1L - d, 10)) > 0) {
                return false; // past 2^64 - 1
            }
            n = n * 10 + d;
        }
        return true;
    }

    private static boolean space(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    private static void refuse(String format, CharSequence name) {
        PlatformDependent.throwException(Http2Exception.connectionError(Http2Error.PROTOCOL_ERROR, format, name));
    }
}

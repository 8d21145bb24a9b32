package io.remora.http;

import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.internal.PlatformDependent;

/**
 * What a {@link HeaderBlock#validating validating} block refuses as HPACK fills it, as Netty's
 * validating {@code DefaultHttp2Headers} did (RFC 9113 8.2.1, 8.3): an empty or upper-case name,
 * an unknown pseudo-header, a repeated or empty one; and, as Envoy's codecs, a name that is no
 * token, a value (a pseudo-header's too) with a control character other than HTAB, a :method that
 * is no token, a content-length that is no number. The {@link Http2Exception} is thrown as
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
            checkValue(name, value);
            if (METHOD.contentEquals(name) && !token(value)) {
                // oghttp2's IsValidMethod and nghttp2's check_method: a method that is no token
                // (a space, a CR LF) would break the request line of an HTTP/1.1 upstream.
                refuse("invalid :method [%s]", name);
            }
            return;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!HttpTokens.tchar(c) || (c >= 'A' && c <= 'Z')) {
                refuse("invalid header name [%s]", name);
            }
        }
        checkValue(name, value);
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

    /**
     * The characters Envoy's codecs take in a value, pseudo-headers' included: HTAB, SP to '~' and
     * obs-text (oghttp2's kHttp2HeaderValueAllowedChars with allow_obs_text, nghttp2's
     * VALID_HD_VALUE_CHARS). Any other control character, DEL too, makes the field invalid.
     */
    private static void checkValue(CharSequence name, CharSequence value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < ' ' && c != '\t') || c == 0x7f) {
                refuse("invalid header value for [%s]", name);
            }
        }
    }

    private static boolean token(CharSequence v) {
        for (int i = 0; i < v.length(); i++) {
            if (!HttpTokens.tchar(v.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static final io.netty.util.AsciiString METHOD = Http2Headers.PseudoHeaderName.METHOD.value();

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

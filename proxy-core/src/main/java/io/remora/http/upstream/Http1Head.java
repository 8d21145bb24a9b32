package io.remora.http.upstream;

import io.netty.util.AsciiString;

/**
 * The head of the HTTP/1.1 message an {@link Http1Parser} is on: start line, header block, and
 * what the parser learnt from the headers that frame and manage the message (so nobody looks them
 * up again). Reused from one message to the next; the header block is new for each.
 */
public final class Http1Head {

    /** {@link #frame()}'s answer for a transfer coding Envoy does not implement (501). */
    static final String NOT_IMPLEMENTED = "http1.invalid_transfer_encoding";

    public final boolean request;
    /** Request: method and request-target as sent. */
    public AsciiString method;
    public AsciiString target;
    /** Response: status code, and its three digits as sent. */
    public int status;
    public AsciiString statusText;
    /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
    public int minorVersion;
    public Http1DecodedHeaders headers;
    /** -1 without a content-length. */
    public long contentLength;
    public boolean chunked;
    boolean bodyless;
    int contentLengths;
    int transferEncodings;
    /** Every transfer-encoding value is exactly "chunked" (requests), or the last coding is chunked (responses). */
    boolean teChunked;
    public boolean connectionClose;
    public boolean connectionKeepAlive;
    public boolean connectionUpgrade;
    public boolean expectContinue;
    /** The first Upgrade header's value, or null. */
    public AsciiString upgrade;

    Http1Head(boolean request) {
        this.request = request;
    }

    void reset() {
        method = target = statusText = upgrade = null;
        status = 0;
        minorVersion = 1;
        headers = null;
        contentLength = -1;
        chunked = bodyless = teChunked = false;
        contentLengths = transferEncodings = 0;
        connectionClose = connectionKeepAlive = connectionUpgrade = expectContinue = false;
    }

    /** The message ends with its head: no body follows it. */
    public boolean bodyless() {
        return bodyless;
    }

    public boolean http10() {
        return minorVersion == 0;
    }

    /** RFC 9112 9.3: HTTP/1.1 persists unless told to close; HTTP/1.0 only when asked to keep alive. */
    public boolean keepAlive() {
        return !connectionClose && (minorVersion == 1 || connectionKeepAlive);
    }

    /**
     * How the body is framed (RFC 9112 6.3), or an error's response code details. Requests as
     * Envoy's codec takes them: only "chunked" on its own is a coding it frames (501 otherwise),
     * and content-length with chunked, or more than one content-length, is refused (400).
     * Responses as RFC 9112 reads them: chunked as the final coding, else to the connection's end.
     */
    String frame() {
        if (request) {
            if (transferEncodings > 0) {
                if (transferEncodings > 1 || !teChunked) {
                    return NOT_IMPLEMENTED;
                }
                if (contentLengths > 0) {
                    return "http1.content_length_and_chunked_not_allowed";
                }
                chunked = true;
            } else if (contentLengths > 1) {
                return "http1.codec_error";
            }
            bodyless = !chunked && contentLength <= 0;
            return null;
        }
        if (transferEncodings > 0) {
            // The coding decides; a content-length beside it is ignored (RFC 9112 6.3 rule 3).
            chunked = teChunked;
            contentLength = -1;
        }
        bodyless = (status >= 100 && status < 200) || status == 204 || status == 304
                || (!chunked && contentLength == 0);
        return null;
    }
}

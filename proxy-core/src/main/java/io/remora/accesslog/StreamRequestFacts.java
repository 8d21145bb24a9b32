package io.remora.accesslog;

import io.netty.handler.codec.http2.Http2Headers;

/**
 * The request line and the few request headers a stream's logs print (method, path, authority,
 * user agent, x-forwarded-for, x-request-id), as received: kept as the header values themselves
 * (the header map replaces a value, never changes one) and made Strings only when asked for, since
 * most streams end without anyone reading them. The base of {@link StreamInfo} rather than an
 * object of its own, so a stream's info stays one object.
 */
abstract class StreamRequestFacts {

    private static final io.netty.util.AsciiString USER_AGENT = io.netty.util.AsciiString.cached("user-agent");
    private static final io.netty.util.AsciiString X_FORWARDED_FOR = io.netty.util.AsciiString.cached("x-forwarded-for");
    private static final io.netty.util.AsciiString X_REQUEST_ID = io.netty.util.AsciiString.cached("x-request-id");

    private CharSequence method;
    private CharSequence path;
    private CharSequence authority;
    private CharSequence userAgent;
    private CharSequence forwardedFor;
    private CharSequence requestId;

    /** The request's method, path, authority and user agent, as the request arrived. */
    public void requestLine(Http2Headers headers) {
        method = value(headers.method());
        path = value(headers.path());
        authority = value(headers.authority());
        userAgent = value(headers.get(USER_AGENT));
    }

    /** x-forwarded-for and x-request-id, as the connection manager forwards them. */
    public void forwarding(Http2Headers headers) {
        forwardedFor = value(headers.get(X_FORWARDED_FOR));
        requestId = value(headers.get(X_REQUEST_ID));
    }

    /**
     * A header value to keep: Strings, AsciiStrings and generated request ids are immutable and
     * kept as they are; any other CharSequence (a builder a filter may change later) is copied now.
     */
    private static CharSequence value(CharSequence s) {
        return s == null || s instanceof String || s instanceof io.netty.util.AsciiString
                || s instanceof io.remora.util.Uuid4 ? s : s.toString();
    }

    public String method() {
        return (String) (method = text(method));
    }

    public void method(CharSequence v) {
        method = value(v);
    }

    /** The request's path: as received, then as normalized and rewritten. */
    public String path() {
        return (String) (path = text(path));
    }

    public void path(CharSequence v) {
        path = value(v);
    }

    public String authority() {
        return (String) (authority = text(authority));
    }

    public void authority(CharSequence v) {
        authority = value(v);
    }

    public String userAgent() {
        return (String) (userAgent = text(userAgent));
    }

    public void userAgent(CharSequence v) {
        userAgent = value(v);
    }

    public String forwardedFor() {
        return (String) (forwardedFor = text(forwardedFor));
    }

    public void forwardedFor(CharSequence v) {
        forwardedFor = value(v);
    }

    public String requestId() {
        return (String) (requestId = text(requestId));
    }

    public void requestId(CharSequence v) {
        requestId = value(v);
    }

    /** The String of a kept value, made once: the getters store it back. */
    private static String text(CharSequence s) {
        return s == null || s instanceof String ? (String) s : s.toString();
    }
}

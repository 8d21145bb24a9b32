package io.remora.extensions.filters.http.ext_proc;

/**
 * {@code processing_mode}, as Remora runs it: which parts of each direction go to the processor,
 * and how each body is sent.
 */
record ExtProcMode(boolean requestHeaders, Body requestBody, boolean requestTrailers,
                   boolean responseHeaders, Body responseBody, boolean responseTrailers) {

    /**
     * {@code ProcessingMode.BodySendMode} values Remora runs; declared in the proto's order so that
     * the ordinal is the value sent in {@code protocol_config}.
     */
    enum Body { NONE, STREAMED, BUFFERED, BUFFERED_PARTIAL, FULL_DUPLEX_STREAMED }

    /** Envoy's default: both header maps sent, no body, no trailers. */
    static final ExtProcMode DEFAULT = new ExtProcMode(true, Body.NONE, false, true, Body.NONE, false);

    /** Per-route {@code disabled}: nothing is sent. */
    static final ExtProcMode NONE = new ExtProcMode(false, Body.NONE, false, false, Body.NONE, false);

    /** After CONTINUE_AND_REPLACE: nothing more of this direction (body, trailers) goes to the processor. */
    ExtProcMode replaced(boolean request) {
        return request ? new ExtProcMode(requestHeaders, Body.NONE, false, responseHeaders, responseBody,
                responseTrailers)
                : new ExtProcMode(requestHeaders, requestBody, requestTrailers, responseHeaders, Body.NONE, false);
    }

    boolean sendsHeaders(boolean request) {
        return request ? requestHeaders : responseHeaders;
    }

    Body body(boolean request) {
        return request ? requestBody : responseBody;
    }

    boolean sendsTrailers(boolean request) {
        return request ? requestTrailers : responseTrailers;
    }

    boolean sendsAnything(boolean request) {
        return sendsHeaders(request) || body(request) != Body.NONE || sendsTrailers(request);
    }
}

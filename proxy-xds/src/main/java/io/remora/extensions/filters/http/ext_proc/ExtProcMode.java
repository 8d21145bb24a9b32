package io.remora.extensions.filters.http.ext_proc;

/**
 * {@code processing_mode}, as Remora runs it: which parts of each direction go to the processor.
 * A buffered body is sent whole, in one message, once it has all arrived.
 */
record ExtProcMode(boolean requestHeaders, boolean bufferRequestBody, boolean requestTrailers,
                   boolean responseHeaders, boolean bufferResponseBody, boolean responseTrailers) {

    /** Envoy's default: both header maps sent, no body, no trailers. */
    static final ExtProcMode DEFAULT = new ExtProcMode(true, false, false, true, false, false);

    /** Per-route {@code disabled}: nothing is sent. */
    static final ExtProcMode NONE = new ExtProcMode(false, false, false, false, false, false);

    boolean sendsHeaders(boolean request) {
        return request ? requestHeaders : responseHeaders;
    }

    boolean buffersBody(boolean request) {
        return request ? bufferRequestBody : bufferResponseBody;
    }

    boolean sendsTrailers(boolean request) {
        return request ? requestTrailers : responseTrailers;
    }

    boolean sendsAnything(boolean request) {
        return sendsHeaders(request) || buffersBody(request) || sendsTrailers(request);
    }
}

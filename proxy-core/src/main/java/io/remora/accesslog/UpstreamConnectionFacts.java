package io.remora.accesslog;

/**
 * What a stream's log reads of the upstream connection it used: its id and protocol. An HTTP
 * try's upstream stream is itself these facts, so recording them costs the stream info one
 * reference and nothing per request.
 */
public interface UpstreamConnectionFacts {

    /** The upstream connection's id ({@code %UPSTREAM_CONNECTION_ID%}, debug lines). */
    long connectionId();

    /** {@code %UPSTREAM_PROTOCOL%}: "HTTP/1.1" or "HTTP/2"; null where Envoy has none (TCP). */
    default String protocol() {
        return null;
    }

    /** A connection known by its id alone (tcp_proxy's). */
    static UpstreamConnectionFacts of(long id) {
        return () -> id;
    }
}

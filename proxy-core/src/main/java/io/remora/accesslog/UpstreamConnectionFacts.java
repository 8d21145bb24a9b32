package io.remora.accesslog;

/**
 * What a stream's log reads of the upstream connection it used: its id, protocol and connect
 * times. An HTTP try's upstream stream is itself these facts, so recording them costs the stream
 * info one reference and nothing per request.
 */
public interface UpstreamConnectionFacts {

    /** The upstream connection's id ({@code %UPSTREAM_CONNECTION_ID%}, debug lines). */
    long connectionId();

    /** {@code %UPSTREAM_PROTOCOL%}: "HTTP/1.1" or "HTTP/2"; null where Envoy has none (TCP). */
    default String protocol() {
        return null;
    }

    /**
     * When the connection was made ({@code %COMMON_DURATION%}'s {@code US_CX_BEG}, {@code US_CX_END},
     * {@code US_HS_END}), or null when not recorded: the connection's, whichever stream reads them.
     */
    default io.remora.upstream.UpstreamConnectTimes connectTimes() {
        return null;
    }

    /** A connection known by its id alone. */
    static UpstreamConnectionFacts of(long id) {
        return () -> id;
    }

    /** A connection known by its id and, when recorded, when it was made (tcp_proxy's). */
    static UpstreamConnectionFacts of(long id, io.remora.upstream.UpstreamConnectTimes times) {
        if (times == null) {
            return of(id);
        }
        return new UpstreamConnectionFacts() {
            @Override
            public long connectionId() {
                return id;
            }

            @Override
            public io.remora.upstream.UpstreamConnectTimes connectTimes() {
                return times;
            }
        };
    }
}

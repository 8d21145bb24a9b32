package io.remora.http.upstream;

/** Connections of one worker to one host for one protocol. Event-loop confined. */
public interface ConnectionPool {

    /**
     * Asks for a stream; the answer comes through {@code callbacks} (possibly before this
     * returns, when an idle connection is at hand).
     */
    Cancellable newStream(UpstreamCallbacks callbacks);

    /** True when the pool holds no connection and no pending request, so it may be dropped. */
    boolean isIdle();

    /** Closes every connection (host removed, shutdown). */
    void drainAndClose();
}

package io.remora.upstream;

import java.util.concurrent.atomic.LongAdder;

/**
 * Envoy's per-host counters ({@code /clusters}: {@code cx_total}, {@code cx_connect_fail},
 * {@code rq_total}, {@code rq_success}, {@code rq_error}, {@code rq_timeout}). Written by the
 * connection pools on every worker, read by the admin; adders keep the writes uncontended.
 */
public final class HostStats {
    /** Connections attempted to the host. */
    public final LongAdder cxTotal = new LongAdder();
    public final LongAdder cxConnectFail = new LongAdder();
    /** Streams (requests) assigned to a connection of the host. */
    public final LongAdder rqTotal = new LongAdder();
    /** Responses that were not 5xx. */
    public final LongAdder rqSuccess = new LongAdder();
    /** 5xx responses and streams reset before their response completed. */
    public final LongAdder rqError = new LongAdder();
    /** Requests that timed out waiting for the host (the router's per-try and global timeouts). */
    public final LongAdder rqTimeout = new LongAdder();

    /** A response with this :status arrived from the host. */
    public void response(int status) {
        (status >= 500 ? rqError : rqSuccess).increment();
    }
}

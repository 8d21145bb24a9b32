package io.remora.http;

import io.remora.accesslog.StreamInfo;

import java.util.concurrent.TimeUnit;

/**
 * Envoy's premature reset check (ConnectionManagerImpl::maybeDrainDueToPrematureResets), per downstream HTTP/2
 * connection: a request whose stream closes within {@code overload.premature_reset_min_stream_lifetime_seconds}
 * (1; whole seconds) of its start without a response was reset prematurely. Once such resets are half of the
 * closed streams, counted from {@code overload.premature_reset_total_stream_count} (500) streams on, or sooner when
 * they already are half of that count, the connection is cut and counted in
 * {@code http.<prefix>.downstream_rq_too_many_premature_resets}. It stands in for Netty's limit of 200 RST_STREAMs
 * in 30 s, which Envoy does not have and which cut off a busy gRPC client that cancels some of its calls.
 */
final class Http2PrematureResets {
    static final String TOTAL_STREAM_COUNT = "overload.premature_reset_total_stream_count";
    static final String MIN_STREAM_LIFETIME_SECONDS = "overload.premature_reset_min_stream_lifetime_seconds";

    private long closed;
    private long premature;

    /** @return the connection has had too many premature resets and must be closed */
    boolean streamClosed(StreamInfo info, io.remora.server.ServerContext context) {
        closed++;
        // a stream answered is never premature: the clock and the runtime are read only for the others
        if (info.responseCode == 0 && TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - info.startNanos)
                <= context.runtime().getInteger(MIN_STREAM_LIFETIME_SECONDS, 1)) {
            premature++;
        }
        if (premature == 0) {
            return false;
        }
        long limit = context.runtime().getInteger(TOTAL_STREAM_COUNT, 500);
        // below the count, cut as soon as the bad ones would be half of it even if every later stream were good
        return closed < limit ? premature * 2 >= limit : premature * 2 >= closed;
    }
}

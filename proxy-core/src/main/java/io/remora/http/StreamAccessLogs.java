package io.remora.http;

import io.remora.accesslog.AccessLogs;
import io.remora.config.AccessLogOptions;
import io.remora.config.AccessLogType;
import io.remora.util.WorkerTimer;

/**
 * A stream's access log entries besides its end, as Envoy's connection manager writes them with
 * {@code access_log_options}: once the request headers are evaluated, every flush interval while
 * the stream lasts, and when a CONNECT tunnel is established. Static over the stream's fields: a
 * stream without these options pays a field read.
 */
final class StreamAccessLogs {

    private StreamAccessLogs() {
    }

    /** From the stream's start, as Envoy arms its access_log_flush_timer with the stream. */
    static void startPeriodic(ActiveStream s) {
        AccessLogOptions o = s.hcm.config.accessLogOptions();
        if (o.flushInterval() != null && s.hcm.accessLogs.length > 0) {
            WorkerTimer.Timeout t = new WorkerTimer.Timeout(() -> periodic(s));
            StreamTimeouts.timers(s).accessLogFlush = t;
            WorkerTimer.of(s.cx.channel.eventLoop()).arm(t, o.flushInterval().toNanos());
        }
    }

    private static void periodic(ActiveStream s) {
        if (s.ended()) {
            return; // the end's entry is written; a periodic one after it would describe nothing new
        }
        AccessLogs.emit(s.hcm.accessLogs, s.info, AccessLogType.DOWNSTREAM_PERIODIC);
        WorkerTimer.Timeout t = new WorkerTimer.Timeout(() -> periodic(s));
        s.timers.accessLogFlush = t;
        WorkerTimer.of(s.cx.channel.eventLoop()).arm(t, s.hcm.config.accessLogOptions().flushInterval().toNanos());
    }

    static void cancelPeriodic(ActiveStream s) {
        WorkerTimer.Timeout t = s.timers == null ? null : s.timers.accessLogFlush;
        if (t != null) {
            t.cancel();
            s.timers.accessLogFlush = null;
        }
    }

    /** flush_access_log_on_new_request: after the headers' checks and mutations, with the route chosen, before any filter. */
    static void onNewRequest(ActiveStream s) {
        if (s.hcm.config.accessLogOptions().flushOnStart()) {
            s.route();
            AccessLogs.emit(s.hcm.accessLogs, s.info, AccessLogType.DOWNSTREAM_START);
        }
    }

    /** flush_log_on_tunnel_successfully_established: a CONNECT's 2xx, before it goes downstream. */
    static void onTunnelEstablished(ActiveStream s) {
        if (s.hcm.config.accessLogOptions().flushOnTunnelEstablished()) {
            AccessLogs.emit(s.hcm.accessLogs, s.info, AccessLogType.DOWNSTREAM_TUNNEL_SUCCESSFULLY_ESTABLISHED);
        }
    }
}

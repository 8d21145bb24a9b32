package io.remora.xds.fluentd;

import io.remora.accesslog.AccessLog;
import io.remora.accesslog.StreamInfo;

/**
 * One {@code envoy.access_loggers.fluentd} log: on the stream's event loop, its record is written
 * into that worker's upstream buffer, stamped with the time of logging in seconds as Envoy's.
 */
final class FluentdAccessLog implements AccessLog {

    private final FluentdRecord record;
    private final FluentdUpstreams upstreams;

    FluentdAccessLog(FluentdRecord record, FluentdUpstreams upstreams) {
        this.record = record;
        this.upstreams = upstreams;
    }

    @Override
    public void log(StreamInfo info) {
        FluentdUpstream upstream = upstreams.current();
        if (upstream == null) {
            upstreams.stats().entriesLost.increment();
            return;
        }
        upstream.log(System.currentTimeMillis() / 1000, record, info);
    }
}

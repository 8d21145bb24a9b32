package io.remora.xds.translate;

import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.remora.config.AccessLogOptions;

import java.time.Duration;

/**
 * {@code access_log_options} of the connection manager and of tcp_proxy, or the deprecated
 * top-level fields they replace; as Envoy, setting both forms is an error.
 */
final class AccessLogOptionsTranslator {

    private AccessLogOptionsTranslator() {
    }

    @SuppressWarnings("deprecation")
    static AccessLogOptions hcm(HttpConnectionManager h, FieldPath path) {
        if (!h.hasAccessLogOptions()) {
            return options(h.hasAccessLogFlushInterval(), h.getAccessLogFlushInterval(), h.getFlushAccessLogOnNewRequest(),
                    false, path.field("access_log_flush_interval"));
        }
        if (h.getFlushAccessLogOnNewRequest()) {
            throw path.field("flush_access_log_on_new_request").error("cannot be set with access_log_options");
        }
        if (h.hasAccessLogFlushInterval()) {
            throw path.field("access_log_flush_interval").error("cannot be set with access_log_options");
        }
        var o = h.getAccessLogOptions();
        return options(o.hasAccessLogFlushInterval(), o.getAccessLogFlushInterval(), o.getFlushAccessLogOnNewRequest(),
                o.getFlushLogOnTunnelSuccessfullyEstablished(),
                path.field("access_log_options").field("access_log_flush_interval"));
    }

    @SuppressWarnings("deprecation")
    static AccessLogOptions tcpProxy(TcpProxy t, FieldPath path) {
        if (!t.hasAccessLogOptions()) {
            return options(t.hasAccessLogFlushInterval(), t.getAccessLogFlushInterval(), t.getFlushAccessLogOnConnected(),
                    false, path.field("access_log_flush_interval"));
        }
        if (t.getFlushAccessLogOnConnected()) {
            throw path.field("flush_access_log_on_connected").error("cannot be set with access_log_options");
        }
        if (t.hasAccessLogFlushInterval()) {
            throw path.field("access_log_flush_interval").error("cannot be set with access_log_options");
        }
        var o = t.getAccessLogOptions();
        return options(o.hasAccessLogFlushInterval(), o.getAccessLogFlushInterval(), o.getFlushAccessLogOnConnected(),
                false, path.field("access_log_options").field("access_log_flush_interval"));
    }

    private static AccessLogOptions options(boolean hasInterval, com.google.protobuf.Duration interval, boolean onStart,
                                            boolean onTunnel, FieldPath intervalPath) {
        Duration flush = null;
        if (hasInterval) {
            flush = Protos.duration(interval);
            if (flush.toMillis() < 1) {
                throw intervalPath.error("must be at least 1ms");
            }
        }
        AccessLogOptions o = new AccessLogOptions(flush, onStart, onTunnel);
        return o.any() ? o : AccessLogOptions.NONE;
    }
}

package io.remora.extensions.filters.network.ext_authz;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.extensions.filters.http.ext_authz.GrpcAuthzClient;
import io.remora.network.ConnectionFilter;
import io.remora.network.ConnectionFilterFactory;
import io.remora.server.ServerContext;

/**
 * Builds the per-connection {@link NetworkExtAuthzFilter}s; binds Envoy's
 * {@code ext_authz.<stat_prefix>.*} counters ({@code envoy_ext_authz_<stat_prefix>_ok} in Prometheus form).
 */
public final class NetworkExtAuthzFilterProvider implements ConnectionFilterFactory.Provider<NetworkExtAuthzConfig> {

    /** The filter's counters. */
    static final class Stats {
        final Counter total;
        final Counter ok;
        final Counter denied;
        final Counter error;
        final Counter failureModeAllowed;
        final Counter cxClosed;
        final Counter disabled;
        /** Envoy's {@code active} gauge: calls under way. */
        final java.util.concurrent.atomic.AtomicLong active = new java.util.concurrent.atomic.AtomicLong();

        Stats(MeterRegistry r, String statPrefix) {
            String p = statPrefix.endsWith(".") ? statPrefix.substring(0, statPrefix.length() - 1) : statPrefix;
            StringBuilder b = new StringBuilder("envoy_ext_authz_");
            for (int i = 0; i < p.length(); i++) {
                char c = p.charAt(i);
                b.append(c < 128 && Character.isLetterOrDigit(c) || c == '_' ? c : '_');
            }
            String base = b.append('_').toString();
            total = Counter.builder(base + "total").register(r);
            ok = Counter.builder(base + "ok").register(r);
            denied = Counter.builder(base + "denied").register(r);
            error = Counter.builder(base + "error").register(r);
            failureModeAllowed = Counter.builder(base + "failure_mode_allowed").register(r);
            cxClosed = Counter.builder(base + "cx_closed").register(r);
            disabled = Counter.builder(base + "disabled").register(r);
            io.micrometer.core.instrument.Gauge.builder(base + "active", active, java.util.concurrent.atomic.AtomicLong::get)
                    .register(r);
        }
    }

    @Override
    public Class<NetworkExtAuthzConfig> configType() {
        return NetworkExtAuthzConfig.class;
    }

    @Override
    public ConnectionFilterFactory create(NetworkExtAuthzConfig config, ServerContext context) {
        Stats stats = new Stats(context.stats().meterRegistry(), config.statPrefix());
        GrpcAuthzClient client = new GrpcAuthzClient(config.service());
        return new ConnectionFilterFactory() {
            @Override
            public ConnectionFilter newFilter() {
                return new NetworkExtAuthzFilter(config, client, stats);
            }
        };
    }
}

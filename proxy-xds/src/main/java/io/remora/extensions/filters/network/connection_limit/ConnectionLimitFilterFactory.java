package io.remora.extensions.filters.network.connection_limit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.netty.util.concurrent.ScheduledFuture;
import io.remora.network.ConnectionFilter;
import io.remora.network.ConnectionFilterCallbacks;
import io.remora.network.ConnectionFilterFactory;
import io.remora.network.NetworkFilterStatus;
import io.remora.server.ServerContext;

import io.micrometer.core.instrument.MeterRegistry;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Envoy's connection_limit filter for one filter config: one count of active connections shared
 * by every worker; a connection over the limit is counted in
 * {@code connection_limit.<stat_prefix>.limited_connections} and closed (after {@code delay}, its
 * reads stopped meanwhile), never reaching the filters after this one. The
 * {@code active_connections} gauge counts every connection the filter saw until it closes.
 */
final class ConnectionLimitFilterFactory implements ConnectionFilterFactory {

    static final String TAG = "envoy_connection_limit_prefix";
    static final String CLOSE_DETAILS = "over_connection_limit";

    private final ConnectionLimitConfig config;
    private final ServerContext context;
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong active;
    private final Counter limited;

    ConnectionLimitFilterFactory(ConnectionLimitConfig config, ServerContext context) {
        this.config = config;
        this.context = context;
        var registry = context.stats().meterRegistry();
        this.limited = Counter.builder("envoy_connection_limit_limited_connections").tag(TAG, config.statPrefix())
                .register(registry);
        this.active = activeGauge(registry, config.statPrefix());
    }

    /** Envoy's active_connections accumulates over every filter config of one stat prefix. */
    private static final Map<MeterRegistry, Map<String, AtomicLong>> ACTIVE =
            Collections.synchronizedMap(new WeakHashMap<>());

    private static AtomicLong activeGauge(MeterRegistry registry, String prefix) {
        return ACTIVE.computeIfAbsent(registry, r -> new ConcurrentHashMap<>()).computeIfAbsent(prefix, p -> {
            AtomicLong a = new AtomicLong();
            Gauge.builder("envoy_connection_limit_active_connections", a, AtomicLong::get).tag(TAG, p)
                    .register(registry);
            return a;
        });
    }

    private boolean withinLimit() {
        long n = connections.get();
        while (n < config.maxConnections()) {
            if (connections.compareAndSet(n, n + 1)) {
                return true;
            }
            n = connections.get();
        }
        return false;
    }

    private boolean enabled() {
        String key = config.runtimeEnabledKey();
        return key == null ? config.runtimeEnabledDefault()
                : context.runtime().getBoolean(key, config.runtimeEnabledDefault());
    }

    @Override
    public ConnectionFilter newFilter() {
        return new ConnectionFilter() {
            private ConnectionFilterCallbacks callbacks;
            private boolean counted;
            private boolean rejected;
            private ScheduledFuture<?> delayTimer;

            @Override
            public void initialize(ConnectionFilterCallbacks callbacks) {
                this.callbacks = callbacks;
            }

            @Override
            public NetworkFilterStatus onNewConnection() {
                if (!enabled()) {
                    return NetworkFilterStatus.CONTINUE;
                }
                counted = true;
                active.incrementAndGet();
                if (withinLimit()) {
                    return NetworkFilterStatus.CONTINUE;
                }
                limited.increment();
                rejected = true;
                // Counted until it closes, as Envoy does, so lingering rejects hold slots too.
                connections.incrementAndGet();
                var d = config.delay();
                if (d != null && d.toMillis() > 0) {
                    // Delayed rejection: the client waits and its bytes are not read meanwhile.
                    callbacks.channel().config().setAutoRead(false);
                    delayTimer = callbacks.channel().eventLoop().schedule(() -> callbacks.close(CLOSE_DETAILS),
                            d.toMillis(), TimeUnit.MILLISECONDS);
                } else {
                    callbacks.close(CLOSE_DETAILS);
                }
                return NetworkFilterStatus.STOP_ITERATION;
            }

            @Override
            public NetworkFilterStatus onData(io.netty.buffer.ByteBuf data, boolean endStream) {
                return rejected ? NetworkFilterStatus.STOP_ITERATION : NetworkFilterStatus.CONTINUE;
            }

            @Override
            public void onClose() {
                if (delayTimer != null) {
                    delayTimer.cancel(false);
                    delayTimer = null;
                }
                if (counted) {
                    counted = false;
                    connections.decrementAndGet();
                    active.decrementAndGet();
                }
            }
        };
    }

    static final class Provider implements ConnectionFilterFactory.Provider<ConnectionLimitConfig> {
        @Override
        public Class<ConnectionLimitConfig> configType() {
            return ConnectionLimitConfig.class;
        }

        @Override
        public ConnectionFilterFactory create(ConnectionLimitConfig config, ServerContext context) {
            return new ConnectionLimitFilterFactory(config, context);
        }
    }
}

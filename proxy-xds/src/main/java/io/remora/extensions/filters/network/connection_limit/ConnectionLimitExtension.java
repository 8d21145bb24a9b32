package io.remora.extensions.filters.network.connection_limit;

import io.envoyproxy.envoy.extensions.filters.network.connection_limit.v3.ConnectionLimit;
import io.remora.extensions.NetworkFilterExtension;
import io.remora.network.ConnectionFilterFactory;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.time.Duration;
import java.util.List;

/** {@code envoy.filters.network.connection_limit}: closes connections beyond max_connections. */
public final class ConnectionLimitExtension implements NetworkFilterExtension<ConnectionLimitConfig> {

    @Override
    public List<String> names() {
        return List.of(ConnectionLimitConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.network.connection_limit.v3.ConnectionLimit");
    }

    @Override
    public boolean enforcesAccess() {
        // A limit that silently disappears would let a flood through: never skipped.
        return true;
    }

    @Override
    public ConnectionLimitConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field (stat_prefix and max_connections are required)");
        }
        ConnectionLimit c = config.unpack(ConnectionLimit.class, path);
        if (c.getStatPrefix().isEmpty()) {
            throw path.field("stat_prefix").error("missing required field");
        }
        if (!c.hasMaxConnections()) {
            throw path.field("max_connections").error("missing required field");
        }
        if (c.getMaxConnections().getValue() < 1) {
            throw path.field("max_connections").error("must be at least 1");
        }
        Duration delay = null;
        if (c.hasDelay()) {
            delay = Protos.duration(c.getDelay());
            if (delay.isNegative()) {
                throw path.field("delay").error("must not be negative");
            }
        }
        String key = null;
        boolean enabled = true;
        if (c.hasRuntimeEnabled()) {
            var f = c.getRuntimeEnabled();
            if (!f.hasDefaultValue()) {
                throw path.field("runtime_enabled").field("default_value").error("missing required field");
            }
            if (f.getRuntimeKey().isEmpty()) {
                throw path.field("runtime_enabled").field("runtime_key").error("missing required field");
            }
            key = f.getRuntimeKey();
            enabled = f.getDefaultValue().getValue();
        }
        return new ConnectionLimitConfig(c.getStatPrefix(), c.getMaxConnections().getValue(), delay, key, enabled);
    }

    @Override
    public ConnectionFilterFactory.Provider<ConnectionLimitConfig> runtime() {
        return new ConnectionLimitFilterFactory.Provider();
    }
}

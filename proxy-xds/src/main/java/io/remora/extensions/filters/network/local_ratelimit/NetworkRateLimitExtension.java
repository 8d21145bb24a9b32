package io.remora.extensions.filters.network.local_ratelimit;

import io.envoyproxy.envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit;
import io.remora.extensions.NetworkFilterExtension;
import io.remora.extensions.filters.common.FilterProtos;
import io.remora.network.ConnectionFilterFactory;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/** {@code envoy.filters.network.local_ratelimit}: closes connections over a token bucket's rate. */
public final class NetworkRateLimitExtension implements NetworkFilterExtension<NetworkRateLimitConfig> {

    @Override
    public List<String> names() {
        return List.of(NetworkRateLimitConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit");
    }

    @Override
    public boolean enforcesAccess() {
        return true;
    }

    @Override
    public NetworkRateLimitConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field (stat_prefix and token_bucket are required)");
        }
        LocalRateLimit c = config.unpack(LocalRateLimit.class, path);
        if (c.getStatPrefix().isEmpty()) {
            throw path.field("stat_prefix").error("missing required field");
        }
        if (!c.hasTokenBucket()) {
            throw path.field("token_bucket").error("missing required field");
        }
        var bucket = FilterProtos.tokenBucket(c.getTokenBucket(), path.field("token_bucket"));
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
        return new NetworkRateLimitConfig(c.getStatPrefix(), bucket, key, enabled, c.getShareKey());
    }

    @Override
    public ConnectionFilterFactory.Provider<NetworkRateLimitConfig> runtime() {
        return new NetworkRateLimitFilterFactory.Provider();
    }
}

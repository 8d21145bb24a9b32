package io.remora.extensions.filters.network.redis_proxy;

import io.envoyproxy.envoy.extensions.health_checkers.redis.v3.Redis;
import io.remora.extensions.HealthCheckerExtension;
import io.remora.upstream.health.CustomHealthCheck;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;
import java.util.Map;

/**
 * {@code envoy.health_checkers.redis}: PING, or EXISTS of a maintenance key, with the cluster's
 * redis proxy credentials. Without a typed_config it pings.
 */
public final class RedisHealthCheckerExtension implements HealthCheckerExtension {

    @Override
    public List<String> names() {
        return List.of("envoy.health_checkers.redis");
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.health_checkers.redis.v3.Redis");
    }

    @Override
    public CustomHealthCheck translate(TypedConfig config, FieldPath path, Map<String, Object> clusterOptions,
                                       TranslationContext ctx) {
        String key = config == null ? "" : config.unpack(Redis.class, path).getKey();
        return new RedisHealthCheck(key, RedisCredentials.of(clusterOptions));
    }
}

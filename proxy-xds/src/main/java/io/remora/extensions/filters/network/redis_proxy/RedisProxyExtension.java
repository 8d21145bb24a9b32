package io.remora.extensions.filters.network.redis_proxy;

import io.envoyproxy.envoy.extensions.filters.network.redis_proxy.v3.RedisProtocolOptions;
import io.envoyproxy.envoy.extensions.filters.network.redis_proxy.v3.RedisProxy;
import io.remora.extensions.ProtocolOptionsExtension;
import io.remora.extensions.TerminalFilterExtension;
import io.remora.network.NetworkFilter;
import io.remora.network.NetworkFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/**
 * {@code envoy.filters.network.redis_proxy}: Envoy's Redis proxy (terminal), see docs/redis.md; a
 * cluster's {@code RedisProtocolOptions} carry the credentials for its hosts.
 */
public final class RedisProxyExtension implements TerminalFilterExtension<RedisProxyConfig>,
        ProtocolOptionsExtension {

    @Override
    public List<String> names() {
        return List.of(RedisProxyConfig.NAME, "envoy.redis_proxy");
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.network.redis_proxy.v3.RedisProxy");
    }

    @Override
    public RedisProxyConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        return RedisProxyTranslator.translate(config.unpack(RedisProxy.class, path), path, ctx);
    }

    @Override
    public List<String> protocolOptionsTypes() {
        return List.of("envoy.extensions.filters.network.redis_proxy.v3.RedisProtocolOptions");
    }

    @Override
    public RedisCredentials protocolOptions(TypedConfig config, FieldPath path) {
        return RedisCredentials.translate(config.unpack(RedisProtocolOptions.class, path), path);
    }

    @Override
    public NetworkFilterFactory<RedisProxyConfig> runtime() {
        return new NetworkFilterFactory<>() {
            @Override
            public Class<RedisProxyConfig> configType() {
                return RedisProxyConfig.class;
            }

            @Override
            public NetworkFilter create(RedisProxyConfig config, ServerContext context) {
                return new RedisProxyFilter(config, context);
            }
        };
    }
}

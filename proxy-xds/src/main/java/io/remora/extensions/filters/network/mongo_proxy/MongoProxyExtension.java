package io.remora.extensions.filters.network.mongo_proxy;

import io.envoyproxy.envoy.extensions.filters.network.mongo_proxy.v3.MongoProxy;
import io.remora.extensions.NetworkFilterExtension;
import io.remora.extensions.filters.http.fault.FaultExtension;
import io.remora.network.ConnectionFilterFactory;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/**
 * {@code envoy.filters.network.mongo_proxy}: watches MongoDB's wire protocol in both directions
 * for stats, an access log, dynamic metadata and a fixed delay, leaving the bytes to tcp_proxy.
 * Istio puts it ahead of tcp_proxy on outbound ports of protocol Mongo.
 */
public final class MongoProxyExtension implements NetworkFilterExtension<MongoProxyConfig> {

    @Override
    public List<String> names() {
        return List.of(MongoProxyConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.network.mongo_proxy.v3.MongoProxy");
    }

    @Override
    public MongoProxyConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field: the mongo proxy needs a typed_config with stat_prefix");
        }
        MongoProxy m = config.unpack(MongoProxy.class, path);
        if (m.getStatPrefix().isEmpty()) {
            throw path.field("stat_prefix").error("must not be empty");
        }
        return new MongoProxyConfig(m.getStatPrefix(), m.getAccessLog(),
                m.hasDelay() ? FaultExtension.delay(m.getDelay(), path.field("delay")) : null,
                m.getEmitDynamicMetadata(), m.getCommandsList());
    }

    @Override
    public ConnectionFilterFactory.Provider<MongoProxyConfig> runtime() {
        return new MongoProxyFilterProvider();
    }
}

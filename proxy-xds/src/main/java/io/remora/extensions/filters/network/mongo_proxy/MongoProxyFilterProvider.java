package io.remora.extensions.filters.network.mongo_proxy;

import io.remora.network.ConnectionFilterFactory;
import io.remora.server.ServerContext;

import java.util.function.Consumer;

/** Builds the per-connection {@link MongoProxyFilter}s of one configured mongo proxy. */
final class MongoProxyFilterProvider implements ConnectionFilterFactory.Provider<MongoProxyConfig> {

    @Override
    public Class<MongoProxyConfig> configType() {
        return MongoProxyConfig.class;
    }

    @Override
    public ConnectionFilterFactory create(MongoProxyConfig config, ServerContext context) {
        MongoProxyStats stats = MongoProxyStats.of(context.stats().meterRegistry(), config.statPrefix());
        Consumer<String> log = config.accessLog().isEmpty() ? null : context.accessLogFile(config.accessLog());
        return () -> new MongoProxyFilter(config, stats, log);
    }
}

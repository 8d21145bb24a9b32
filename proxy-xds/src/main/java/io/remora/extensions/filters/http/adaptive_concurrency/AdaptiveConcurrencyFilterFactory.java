package io.remora.extensions.filters.http.adaptive_concurrency;

import io.netty.channel.EventLoop;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.http.filter.StreamFilterBase;
import io.remora.server.ServerContext;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Makes the adaptive concurrency filter of each stream; holds the one controller of this filter
 * config, shared by every worker as Envoy's is.
 */
final class AdaptiveConcurrencyFilterFactory implements HttpFilterFactory {

    final AdaptiveConcurrencyConfig config;
    final ServerContext context;
    final GradientController controller;

    AdaptiveConcurrencyFilterFactory(AdaptiveConcurrencyConfig config, ServerContext context, String statPrefix) {
        this.config = config;
        this.context = context;
        this.controller = new GradientController(config,
                GradientControllerStats.of(context.stats().meterRegistry(), statPrefix), System::nanoTime,
                new Random());
    }

    @Override
    public StreamFilterBase newFilter() {
        return new AdaptiveConcurrencyFilter(this);
    }

    /** The controller's timers run on the event loop of the first request it sees. */
    void start(EventLoop loop) {
        if (!controller.started()) { // no scheduler is made per request once it runs
            controller.start((task, delayMillis) -> loop.schedule(task, delayMillis, TimeUnit.MILLISECONDS));
        }
    }

    static final class Provider implements HttpFilterFactory.Provider<AdaptiveConcurrencyConfig> {
        @Override
        public Class<AdaptiveConcurrencyConfig> configType() {
            return AdaptiveConcurrencyConfig.class;
        }

        @Override
        public HttpFilterFactory create(AdaptiveConcurrencyConfig config, ServerContext context) {
            return create(config, context, "");
        }

        @Override
        public HttpFilterFactory create(AdaptiveConcurrencyConfig config, ServerContext context, String statPrefix) {
            return new AdaptiveConcurrencyFilterFactory(config, context, statPrefix);
        }
    }
}

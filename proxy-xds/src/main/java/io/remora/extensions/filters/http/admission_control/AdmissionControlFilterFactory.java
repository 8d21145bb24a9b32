package io.remora.extensions.filters.http.admission_control;

import io.netty.channel.EventLoop;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.http.filter.StreamFilterBase;
import io.remora.server.ServerContext;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Makes the admission control filter of each stream; holds each worker's request history (Envoy
 * keeps one per worker thread, so workers shed load independently and never contend).
 */
final class AdmissionControlFilterFactory implements HttpFilterFactory {

    final AdmissionControlConfig config;
    final ServerContext context;
    private final Map<EventLoop, AdmissionWindow> windows = new ConcurrentHashMap<>();
    /**
     * Bound on the first stream: the connection manager's stat prefix is known only to its streams,
     * and a factory serves exactly one connection manager.
     */
    private volatile AdmissionControlStats stats;

    AdmissionControlFilterFactory(AdmissionControlConfig config, ServerContext context) {
        this.config = config;
        this.context = context;
    }

    @Override
    public StreamFilterBase newFilter() {
        return new AdmissionControlFilter(this);
    }

    AdmissionWindow window(EventLoop loop) {
        AdmissionWindow w = windows.get(loop);
        if (w == null) {
            w = windows.computeIfAbsent(loop, l -> new AdmissionWindow(config.samplingWindowSeconds()));
        }
        return w;
    }

    AdmissionControlStats stats(String hcmPrefix) {
        AdmissionControlStats s = stats;
        if (s == null) {
            s = new AdmissionControlStats(context.stats().meterRegistry(), hcmPrefix);
            stats = s;
        }
        return s;
    }

    static final class Provider implements HttpFilterFactory.Provider<AdmissionControlConfig> {
        @Override
        public Class<AdmissionControlConfig> configType() {
            return AdmissionControlConfig.class;
        }

        @Override
        public HttpFilterFactory create(AdmissionControlConfig config, ServerContext context) {
            return new AdmissionControlFilterFactory(config, context);
        }
    }
}

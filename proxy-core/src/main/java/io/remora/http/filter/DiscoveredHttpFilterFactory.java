package io.remora.http.filter;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.ResponseFlag;
import io.remora.config.DiscoveredHttpFilterConfig;
import io.remora.config.HttpFilterConfig;
import io.remora.util.LastBuilt;

import java.util.function.Function;

/**
 * The factory of a discovered (ECDS) HTTP filter: each stream runs the config published at its
 * start, so an update applies to new streams of live connections. The factory of a config is built
 * once, by the first stream that sees it ({@link LastBuilt}).
 */
public final class DiscoveredHttpFilterFactory implements HttpFilterFactory {

    private final DiscoveredHttpFilterConfig discovered;
    private final LastBuilt<HttpFilterConfig, HttpFilterFactory> factories;

    /** @param build makes the factory of a delivered (or default) config, as for a static filter */
    public DiscoveredHttpFilterFactory(DiscoveredHttpFilterConfig discovered, Function<HttpFilterConfig, HttpFilterFactory> build) {
        this.discovered = discovered;
        this.factories = new LastBuilt<>(build);
    }

    @Override
    public StreamFilterBase newFilter() {
        HttpFilterConfig config = discovered.effective();
        if (config == null) {
            return new MissingConfigFilter();
        }
        return factories.get(config).newFilter();
    }

    /** Envoy's MissingConfigFilter: a discovered filter with no config yet fails the request. */
    static final class MissingConfigFilter implements StreamDecoderFilter {
        private DecoderFilterCallbacks callbacks;

        @Override
        public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
            this.callbacks = callbacks;
        }

        @Override
        public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
            // Envoy passes no details here, only the NFCF flag.
            callbacks.sendLocalReply(500, "", ResponseFlag.NO_FILTER_CONFIG_FOUND, "");
            return FilterStatus.STOP_ITERATION;
        }
    }
}

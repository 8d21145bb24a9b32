package io.remora.http.filter;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.ResponseFlag;
import io.remora.config.DiscoveredHttpFilterConfig;
import io.remora.config.HttpFilterConfig;

import java.util.function.Function;

/**
 * The factory of a discovered (ECDS) HTTP filter: each stream runs the config published at its
 * start, so an update applies to new streams of live connections. The factory of a config is built
 * once, by the first stream that sees it.
 */
public final class DiscoveredHttpFilterFactory implements HttpFilterFactory {

    private record Built(HttpFilterConfig config, HttpFilterFactory factory) {
    }

    private final DiscoveredHttpFilterConfig discovered;
    private final Function<HttpFilterConfig, HttpFilterFactory> build;
    private volatile Built built;

    /** @param build makes the factory of a delivered (or default) config, as for a static filter */
    public DiscoveredHttpFilterFactory(DiscoveredHttpFilterConfig discovered, Function<HttpFilterConfig, HttpFilterFactory> build) {
        this.discovered = discovered;
        this.build = build;
    }

    @Override
    public StreamFilterBase newFilter() {
        HttpFilterConfig config = discovered.effective();
        if (config == null) {
            return new MissingConfigFilter();
        }
        Built b = built;
        if (b == null || b.config() != config) {
            b = rebuild(config);
        }
        return b.factory().newFilter();
    }

    private synchronized Built rebuild(HttpFilterConfig config) {
        Built b = built;
        if (b == null || b.config() != config) {
            b = new Built(config, build.apply(config));
            built = b;
        }
        return b;
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

package io.remora.http.filter;

import io.remora.config.HttpFilterConfig;
import io.remora.config.HttpFilterEntry;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The factories of a cluster's or a router's upstream HTTP filters (Envoy's upstream filter
 * chain, the closing {@code upstream_codec} left out: the try's pool stream is the codec). Built
 * once per config; each try of a request makes its filters from it.
 *
 * @param names       the configured names (per-route config is looked up by them)
 * @param factories   in configuration order
 * @param statPrefix  Envoy's stats prefix for the filters: {@code cluster.<name>.} for a cluster's,
 *                    empty (the root scope) for a router's
 */
public record UpstreamHttpFilterChain(String[] names, HttpFilterFactory[] factories, String statPrefix) {

    /** A configured chain of the codec alone: it still overrides the router's. */
    public static final UpstreamHttpFilterChain CODEC_ONLY =
            new UpstreamHttpFilterChain(new String[0], new HttpFilterFactory[0], "");

    /** The enabled entries' factories (a disabled upstream filter has no route to enable it). */
    public static UpstreamHttpFilterChain of(List<HttpFilterEntry> entries, Function<HttpFilterConfig, HttpFilterFactory> build,
                                             String statPrefix) {
        List<String> names = new ArrayList<>();
        List<HttpFilterFactory> factories = new ArrayList<>();
        for (HttpFilterEntry e : entries) {
            if (!e.disabled()) {
                names.add(e.name());
                factories.add(build.apply(e.config()));
            }
        }
        if (names.isEmpty()) {
            return CODEC_ONLY;
        }
        return new UpstreamHttpFilterChain(names.toArray(new String[0]), factories.toArray(new HttpFilterFactory[0]),
                statPrefix);
    }

    public int size() {
        return factories.length;
    }
}

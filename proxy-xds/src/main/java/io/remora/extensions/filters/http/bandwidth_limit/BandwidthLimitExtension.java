package io.remora.extensions.filters.http.bandwidth_limit;

import io.envoyproxy.envoy.extensions.filters.http.bandwidth_limit.v3.BandwidthLimit;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.filters.common.RuntimeFlag;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/**
 * {@code envoy.filters.http.bandwidth_limit}: paces request and/or response bodies to
 * {@code limit_kbps} through a token bucket shared by every stream of the config (per route when
 * the route has its own config), as Envoy's BandwidthLimiter.
 */
public final class BandwidthLimitExtension implements HttpFilterExtension<BandwidthLimitConfig> {

    static final String TYPE = "envoy.extensions.filters.http.bandwidth_limit.v3.BandwidthLimit";

    @Override
    public List<String> names() {
        return List.of(BandwidthLimitConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of(TYPE);
    }

    @Override
    public List<String> perRouteConfigTypes() {
        return List.of(TYPE);
    }

    @Override
    public BandwidthLimitConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("bandwidth_limit needs a typed_config (stat_prefix is required)");
        }
        return translate(config.unpack(BandwidthLimit.class, path), path, false);
    }

    @Override
    public RouteFilterConfig translatePerRoute(TypedConfig config, FieldPath path, TranslationContext ctx) {
        return translate(config.unpack(BandwidthLimit.class, path), path, true);
    }

    static BandwidthLimitConfig translate(BandwidthLimit b, FieldPath path, boolean perRoute) {
        if (b.getStatPrefix().isEmpty()) {
            throw path.field("stat_prefix").error("must not be empty");
        }
        BandwidthLimitConfig.Builder out = BandwidthLimitConfig.builder(b.getStatPrefix());
        int mode = b.getEnableModeValue();
        if (mode < 0 || mode > 3) {
            throw path.field("enable_mode").error("unknown value " + mode);
        }
        out.mode(mode);
        if (b.hasLimitKbps()) {
            long kbps = b.getLimitKbps().getValue();
            // A second's worth of bytes must stay countable: past 2^53 / 1024 KiB/s doubles lose bytes.
            if (kbps < 1 || kbps > (1L << 43)) {
                throw path.field("limit_kbps").error("must be in [1, 2^43], got " + Long.toUnsignedString(kbps));
            }
            out.limitKbps(kbps);
        } else if (perRoute) {
            throw path.field("limit_kbps").error("limit must be set for per route filter config");
        }
        if (b.hasFillInterval()) {
            var d = b.getFillInterval();
            long nanos = d.getSeconds() * 1_000_000_000L + d.getNanos();
            if (d.getSeconds() < 0 || d.getNanos() < 0 || nanos < 20_000_000L || nanos > 1_000_000_000L) {
                throw path.field("fill_interval").error("must be between 20ms and 1s");
            }
            out.fillIntervalMillis(nanos / 1_000_000);
        }
        if (b.hasRuntimeEnabled()) {
            out.enabled(RuntimeFlag.of(b.getRuntimeEnabled(), path.field("runtime_enabled")));
        }
        String prefix = b.getResponseTrailerPrefix();
        if (!prefix.isEmpty() && !validHeaderName(prefix)) {
            throw path.field("response_trailer_prefix").error("not a valid header name: " + prefix);
        }
        if (b.getEnableResponseTrailers()) {
            out.trailers(BandwidthLimitConfig.TrailerNames.withPrefix(prefix.toLowerCase(java.util.Locale.ROOT)));
        }
        return out.build();
    }

    /** The proto's HTTP_HEADER_NAME rule (not strict): no NUL, CR or LF. */
    private static boolean validHeaderName(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0 || c == '\r' || c == '\n') {
                return false;
            }
        }
        return true;
    }

    @Override
    public HttpFilterFactory.Provider<BandwidthLimitConfig> runtime() {
        return new BandwidthLimitFilterFactory.Provider();
    }
}

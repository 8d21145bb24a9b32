package io.remora.extensions.filters.http.router;

import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.remora.config.RouterFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.http.router.RouterFilterProvider;
import io.remora.xds.translate.AccessLogTranslator;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;
import io.remora.xds.translate.UpstreamHttpFilterTranslator;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/** {@code envoy.filters.http.router}: the last HTTP filter of every connection manager. */
public final class RouterExtension implements HttpFilterExtension<RouterFilterConfig> {

    /** The headers strict_check_headers may name (the proto's own list). */
    private static final Set<String> CHECKABLE = Set.of("x-envoy-upstream-rq-timeout-ms",
            "x-envoy-upstream-rq-per-try-timeout-ms", "x-envoy-max-retries", "x-envoy-retry-grpc-on",
            "x-envoy-retry-on");

    @Override
    public List<String> names() {
        return List.of(RouterFilterConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.http.router.v3.Router");
    }

    @Override
    public RouterFilterConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        Router r = config == null ? Router.getDefaultInstance() : config.unpack(Router.class, path);
        for (int i = 0; i < r.getStrictCheckHeadersCount(); i++) {
            if (!CHECKABLE.contains(r.getStrictCheckHeaders(i))) {
                throw path.field("strict_check_headers").index(i).error("value must be in list "
                        + "[x-envoy-upstream-rq-timeout-ms x-envoy-upstream-rq-per-try-timeout-ms x-envoy-max-retries "
                        + "x-envoy-retry-grpc-on x-envoy-retry-on], got '" + r.getStrictCheckHeaders(i) + "'");
            }
        }
        Duration flushEvery = null;
        if (r.getUpstreamLogOptions().hasUpstreamLogFlushInterval()) {
            flushEvery = Protos.duration(r.getUpstreamLogOptions().getUpstreamLogFlushInterval());
            if (flushEvery.toMillis() < 1) {
                throw path.field("upstream_log_options").field("upstream_log_flush_interval")
                        .error("value must be greater than or equal to 1ms");
            }
        }
        return RouterFilterConfig.builder()
                .suppressEnvoyHeaders(r.getSuppressEnvoyHeaders())
                .upstreamHttpFilters(UpstreamHttpFilterTranslator.translate(r.getUpstreamHttpFiltersList(),
                        UpstreamHttpFilterTranslator.Owner.ROUTER, path.field("upstream_http_filters"), ctx))
                .dynamicStats(!r.hasDynamicStats() || r.getDynamicStats().getValue())
                .respectExpectedRqTimeout(r.getRespectExpectedRqTimeout())
                .suppressGrpcRequestFailureCodeStats(r.getSuppressGrpcRequestFailureCodeStats())
                .strictCheckHeaders(r.getStrictCheckHeadersList())
                .upstreamLogs(AccessLogTranslator.translate(r.getUpstreamLogList(), path.field("upstream_log"), ctx))
                .flushUpstreamLogOnUpstreamStream(r.getUpstreamLogOptions().getFlushUpstreamLogOnUpstreamStream())
                .upstreamLogFlushInterval(flushEvery)
                .startChildSpan(r.getStartChildSpan())
                .build();
    }

    @Override
    public HttpFilterFactory.Provider<RouterFilterConfig> runtime() {
        return new RouterFilterProvider();
    }
}

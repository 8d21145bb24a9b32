package io.remora.xds.translate;

import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.remora.config.Http2Options;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.RouteConfiguration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code envoy.filters.network.http_connection_manager} with Envoy's defaults. */
public final class HttpConnectionManagerTranslator {

    private static final io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter
            DEFAULT_ROUTER = io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter
            .newBuilder().setName("envoy.filters.http.router")
            .setTypedConfig(GeneratedMessages.pack(
                    io.envoyproxy.envoy.extensions.filters.http.router.v3.Router.getDefaultInstance()))
            .build();

    private HttpConnectionManagerTranslator() {
    }

    public static HttpConnectionManagerConfig translate(HttpConnectionManager h, FieldPath path,
                                                        TranslationContext ctx) {
        if (h.getStatPrefix().isEmpty()) {
            throw path.field("stat_prefix").error("missing required field");
        }
        HttpConnectionManagerConfig.CodecType codec = switch (h.getCodecType()) {
            case AUTO -> HttpConnectionManagerConfig.CodecType.AUTO;
            case HTTP1 -> HttpConnectionManagerConfig.CodecType.HTTP1;
            case HTTP2 -> HttpConnectionManagerConfig.CodecType.HTTP2;
            default -> throw path.field("codec_type").error("unsupported codec " + h.getCodecType());
        };
        if (h.hasAddProxyProtocolConnectionState() && !h.getAddProxyProtocolConnectionState().getValue()) {
            // Envoy's upstream proxy_protocol transport socket then sends its own connection's addresses.
            throw path.field("add_proxy_protocol_connection_state").error("false is not supported: an upstream"
                    + " PROXY protocol header always carries the downstream connection's addresses");
        }
        List<HttpConnectionManagerConfig.Upgrade> upgrades = upgrades(h, path, ctx);
        RouteConfiguration routes = null;
        String rds = null;
        io.remora.config.ScopedRoutesConfig scoped = null;
        switch (h.getRouteSpecifierCase()) {
            case ROUTE_CONFIG -> routes = RouteConfigurationTranslator.translate(h.getRouteConfig(),
                    path.field("route_config"), ctx);
            case RDS -> {
                rds = h.getRds().getRouteConfigName();
                if (rds.isEmpty()) {
                    throw path.field("rds").field("route_config_name").error("missing required field");
                }
            }
            case SCOPED_ROUTES -> scoped = ScopedRoutesTranslator.translate(h.getScopedRoutes(),
                    path.field("scoped_routes"), ctx);
            case ROUTESPECIFIER_NOT_SET -> throw path.error("missing required field: one of route_config, rds,"
                    + " scoped_routes");
        }
        // No http_filters at all: the router alone, so a connection manager with only routes still
        // forwards (Envoy's own TLS and SNI examples are written so).
        var filters = HttpFilterTranslator.translate(h.getHttpFiltersCount() > 0 ? h.getHttpFiltersList()
                : List.of(DEFAULT_ROUTER), path.field("http_filters"), ctx);
        var common = h.getCommonHttpProtocolOptions();
        FieldPath commonPath = path.field("common_http_protocol_options");
        Duration streamIdle = timeout(h.hasStreamIdleTimeout(), h.getStreamIdleTimeout(), Duration.ofMinutes(5),
                path.field("stream_idle_timeout"));
        Duration requestTimeout = timeout(h.hasRequestTimeout(), h.getRequestTimeout(), Duration.ZERO,
                path.field("request_timeout"));
        Duration idle = timeout(common.hasIdleTimeout(), common.getIdleTimeout(), Duration.ofHours(1),
                commonPath.field("idle_timeout"));
        Duration drain = timeout(h.hasDrainTimeout(), h.getDrainTimeout(), Duration.ofSeconds(5), path.field("drain_timeout"));
        Duration delayedClose = timeout(h.hasDelayedCloseTimeout(), h.getDelayedCloseTimeout(), Duration.ofSeconds(1),
                path.field("delayed_close_timeout"));
        int maxKb = Protos.uint(h.hasMaxRequestHeadersKb(), h.getMaxRequestHeadersKb(), 60);
        if (maxKb < 1 || maxKb > 8192) {
            throw path.field("max_request_headers_kb").error("must be in [1, 8192], got " + maxKb);
        }
        Duration maxConnectionDuration = timeout(common.hasMaxConnectionDuration(), common.getMaxConnectionDuration(),
                null, commonPath.field("max_connection_duration"));
        Duration maxStreamDuration = timeout(common.hasMaxStreamDuration(), common.getMaxStreamDuration(), null,
                commonPath.field("max_stream_duration"));
        // uint32; 0 (and unset) is unlimited.
        int maxRequests = Protos.uint(common.hasMaxRequestsPerConnection(), common.getMaxRequestsPerConnection(), 0);
        HttpConnectionManagerConfig.HeadersWithUnderscoresAction underscores =
                switch (common.getHeadersWithUnderscoresAction()) {
                    case REJECT_REQUEST -> HttpConnectionManagerConfig.HeadersWithUnderscoresAction.REJECT_REQUEST;
                    case DROP_HEADER -> HttpConnectionManagerConfig.HeadersWithUnderscoresAction.DROP_HEADER;
                    case ALLOW -> HttpConnectionManagerConfig.HeadersWithUnderscoresAction.ALLOW;
                    case UNRECOGNIZED -> throw path.field("common_http_protocol_options")
                            .field("headers_with_underscores_action")
                            .error("unknown action " + common.getHeadersWithUnderscoresActionValue());
                };
        int maxCount = Protos.uint(common.hasMaxHeadersCount(), common.getMaxHeadersCount(), 100);
        if (maxCount < 1) {
            throw path.field("common_http_protocol_options").field("max_headers_count").error("must be at least 1");
        }
        HttpConnectionManagerConfig.ServerHeaderTransformation sht = switch (h.getServerHeaderTransformation()) {
            case APPEND_IF_ABSENT -> HttpConnectionManagerConfig.ServerHeaderTransformation.APPEND_IF_ABSENT;
            case PASS_THROUGH -> HttpConnectionManagerConfig.ServerHeaderTransformation.PASS_THROUGH;
            default -> HttpConnectionManagerConfig.ServerHeaderTransformation.OVERWRITE;
        };
        Http2Options h2 = h.hasHttp2ProtocolOptions()
                ? Http2OptionsTranslator.translate(h.getHttp2ProtocolOptions(), path.field("http2_protocol_options"), ctx)
                : Http2Options.DEFAULT;
        io.remora.config.TracingConfig tracing = h.hasTracing()
                ? TracingTranslator.translate(h, path, ctx) : null;
        io.remora.config.LocalReplyConfig localReply = h.hasLocalReplyConfig()
                ? LocalReplyTranslator.translate(h.getLocalReplyConfig(), path.field("local_reply_config"), ctx) : null;
        var logs = AccessLogTranslator.translate(h.getAccessLogList(), path.field("access_log"), ctx);
        var b = HttpConnectionManagerConfig.builder(h.getStatPrefix());
        HcmHeaderOptionsTranslator.translate(h, path, ctx, b);
        b.bypassOverloadManager(ctx.bypassOverloadManager());
        b.originalIpDetections(OriginalIpDetectionTranslator.translate(h, path));
        return b.codecType(codec).routeConfig(routes)
                .rdsName(rds).scopedRoutes(scoped).httpFilters(filters).streamIdleTimeout(streamIdle).requestTimeout(requestTimeout)
                .idleTimeout(idle).drainTimeout(drain).delayedCloseTimeout(delayedClose)
                .maxRequestHeadersKb(maxKb).maxRequestHeadersCount(maxCount)
                .headersWithUnderscoresAction(underscores).maxStreamDuration(maxStreamDuration)
                .useRemoteAddress(Protos.bool(h.hasUseRemoteAddress(), h.getUseRemoteAddress(), false))
                .xffNumTrustedHops(h.getXffNumTrustedHops()).skipXffAppend(h.getSkipXffAppend())
                .generateRequestId(Protos.bool(h.hasGenerateRequestId(), h.getGenerateRequestId(), true))
                .preserveExternalRequestId(h.getPreserveExternalRequestId())
                .serverName(h.getServerName().isEmpty() ? "envoy" : h.getServerName()).serverHeaderTransformation(sht)
                .http2Options(h2).normalizePath(Protos.bool(h.hasNormalizePath(), h.getNormalizePath(), false))
                .mergeSlashes(h.getMergeSlashes()).accessLogs(logs)
                .accessLogOptions(AccessLogOptionsTranslator.hcm(h, path))
                // Envoy: off unless set; from a request's first byte to the end of its headers.
                .requestHeadersTimeout(timeout(h.hasRequestHeadersTimeout(), h.getRequestHeadersTimeout(), Duration.ZERO,
                        path.field("request_headers_timeout")))
                .tracing(tracing).clientCertForwarding(ClientCertTranslator.translate(h, path)).upgrades(upgrades)
                .maxConnectionDuration(maxConnectionDuration).maxRequestsPerConnection(maxRequests)
                .http1EnableTrailers(h.getHttpProtocolOptions().getEnableTrailers())
                .http1AcceptHttp10(h.getHttpProtocolOptions().getAcceptHttp10())
                .http1DefaultHostForHttp10(h.getHttpProtocolOptions().getDefaultHostForHttp10().isEmpty() ? null
                        : h.getHttpProtocolOptions().getDefaultHostForHttp10())
                .http1Options(Http1OptionsTranslator.translate(h.getHttpProtocolOptions(),
                        h.hasStreamErrorOnInvalidHttpMessage() && h.getStreamErrorOnInvalidHttpMessage().getValue(),
                        path.field("http_protocol_options")))
                .localReply(localReply).build();
    }

    /**
     * A timeout field, or {@code dflt} when unset. Envoy reads each through DurationUtil, which
     * refuses a negative duration ("Expected positive duration"), so a config with one is refused.
     */
    private static Duration timeout(boolean has, com.google.protobuf.Duration d, Duration dflt, FieldPath field) {
        if (!has) {
            return dflt;
        }
        if (d.getSeconds() < 0 || d.getNanos() < 0) {
            throw field.error("must not be negative");
        }
        return Protos.duration(d);
    }

    /**
     * {@code upgrade_configs}: any upgrade type (the Upgrade header's token, or CONNECT), each
     * with its own HTTP filter chain when {@code filters} is set (translated like http_filters,
     * and like them ending in the router).
     */
    static List<HttpConnectionManagerConfig.Upgrade> upgrades(HttpConnectionManager h, FieldPath path,
                                                              TranslationContext ctx) {
        List<HttpConnectionManagerConfig.Upgrade> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < h.getUpgradeConfigsCount(); i++) {
            var u = h.getUpgradeConfigs(i);
            FieldPath up = path.field("upgrade_configs").index(i);
            String type = u.getUpgradeType().trim();
            if (type.isEmpty()) {
                throw up.field("upgrade_type").error("must not be empty");
            }
            if (!seen.add(type.toLowerCase(Locale.ROOT))) {
                // Envoy: "Error: multiple upgrade configs with the same name".
                throw up.field("upgrade_type").error("duplicate upgrade type '" + type + "'");
            }
            List<io.remora.config.HttpFilterEntry> filters = u.getFiltersCount() == 0 ? null
                    : HttpFilterTranslator.translate(u.getFiltersList(), up.field("filters"), ctx);
            out.add(new HttpConnectionManagerConfig.Upgrade(type, Protos.bool(u.hasEnabled(), u.getEnabled(), true),
                    filters));
        }
        return List.copyOf(out);
    }
}

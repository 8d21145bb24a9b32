package io.remora.xds.translate;

import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.remora.config.Http2Options;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.RouteConfiguration;

import java.time.Duration;

/** {@code envoy.filters.network.http_connection_manager} with Envoy's defaults. */
public final class HttpConnectionManagerTranslator {

    private HttpConnectionManagerTranslator() {
    }

    /** Whether the connection manager's upgrade_configs let websocket upgrades through by default. */
    public static boolean websocketEnabled(HttpConnectionManager h) {
        boolean websocket = false;
        for (var u : h.getUpgradeConfigsList()) {
            if (u.getUpgradeType().equalsIgnoreCase("websocket")) {
                websocket = Protos.bool(u.hasEnabled(), u.getEnabled(), true);
            }
        }
        return websocket;
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
        boolean websocket = websocketEnabled(h);
        for (int i = 0; i < h.getUpgradeConfigsCount(); i++) {
            var u = h.getUpgradeConfigs(i);
            if (!u.getUpgradeType().equalsIgnoreCase("websocket") && !u.getUpgradeType().equalsIgnoreCase("CONNECT")) {
                ctx.warnOnce("upgrade:" + u.getUpgradeType(), "ignoring upgrade type '" + u.getUpgradeType()
                        + "' at " + path.field("upgrade_configs").index(i));
            }
        }
        RouteConfiguration routes = null;
        String rds = null;
        switch (h.getRouteSpecifierCase()) {
            case ROUTE_CONFIG -> routes = RouteConfigurationTranslator.translate(h.getRouteConfig(),
                    path.field("route_config"), ctx, websocket);
            case RDS -> {
                rds = h.getRds().getRouteConfigName();
                if (rds.isEmpty()) {
                    throw path.field("rds").field("route_config_name").error("missing required field");
                }
            }
            case SCOPED_ROUTES -> throw path.field("scoped_routes").error("scoped routes are not supported");
            case ROUTESPECIFIER_NOT_SET -> throw path.error("missing required field: one of route_config, rds");
        }
        var filters = HttpFilterTranslator.translate(h.getHttpFiltersList(), path.field("http_filters"), ctx);
        var common = h.getCommonHttpProtocolOptions();
        Duration streamIdle = Protos.duration(h.hasStreamIdleTimeout(), h.getStreamIdleTimeout(), Duration.ofMinutes(5));
        Duration requestTimeout = Protos.duration(h.hasRequestTimeout(), h.getRequestTimeout(), Duration.ZERO);
        Duration idle = Protos.duration(common.hasIdleTimeout(), common.getIdleTimeout(), Duration.ofHours(1));
        Duration drain = Protos.duration(h.hasDrainTimeout(), h.getDrainTimeout(), Duration.ofSeconds(5));
        int maxKb = Protos.uint(h.hasMaxRequestHeadersKb(), h.getMaxRequestHeadersKb(), 60);
        if (maxKb < 1 || maxKb > 8192) {
            throw path.field("max_request_headers_kb").error("must be in [1, 8192], got " + maxKb);
        }
        int maxCount = Protos.uint(common.hasMaxHeadersCount(), common.getMaxHeadersCount(), 100);
        if (maxCount < 1) {
            throw path.field("common_http_protocol_options").field("max_headers_count").error("must be at least 1");
        }
        HttpConnectionManagerConfig.ServerHeaderTransformation sht = switch (h.getServerHeaderTransformation()) {
            case APPEND_IF_ABSENT -> HttpConnectionManagerConfig.ServerHeaderTransformation.APPEND_IF_ABSENT;
            case PASS_THROUGH -> HttpConnectionManagerConfig.ServerHeaderTransformation.PASS_THROUGH;
            default -> HttpConnectionManagerConfig.ServerHeaderTransformation.OVERWRITE;
        };
        Http2Options h2 = h.hasHttp2ProtocolOptions() ? ClusterTranslator.http2(h.getHttp2ProtocolOptions())
                : Http2Options.DEFAULT;
        if (h.hasTracing()) {
            ctx.warnOnce("hcm.tracing", "tracing is not supported and is ignored, first at " + path.field("tracing"));
        }
        if (h.getForwardClientCertDetails() != HttpConnectionManager.ForwardClientCertDetails.SANITIZE) {
            ctx.warnOnce("hcm.forward_client_cert_details", "forward_client_cert_details "
                    + h.getForwardClientCertDetails() + " is not supported and is ignored, first at "
                    + path.field("forward_client_cert_details"));
        }
        if (h.hasLocalReplyConfig()) {
            ctx.warnOnce("hcm.local_reply_config", "local_reply_config is not supported; local replies keep"
                    + " Envoy's default bodies, first at " + path.field("local_reply_config"));
        }
        if (h.getOriginalIpDetectionExtensionsCount() > 0) {
            throw path.field("original_ip_detection_extensions").error("original IP detection extensions are not"
                    + " supported");
        }
        var logs = AccessLogTranslator.translate(h.getAccessLogList(), path.field("access_log"), ctx);
        return new HttpConnectionManagerConfig(h.getStatPrefix(), codec, routes, rds, filters, streamIdle,
                requestTimeout, idle, drain, maxKb, maxCount,
                Protos.bool(h.hasUseRemoteAddress(), h.getUseRemoteAddress(), false), h.getXffNumTrustedHops(),
                h.getSkipXffAppend(), Protos.bool(h.hasGenerateRequestId(), h.getGenerateRequestId(), true),
                h.getPreserveExternalRequestId(), h.getServerName().isEmpty() ? "envoy" : h.getServerName(), sht, h2,
                Protos.bool(h.hasNormalizePath(), h.getNormalizePath(), false),
                h.getMergeSlashes(), logs,
                // Envoy: off unless set; from a request's first byte to the end of its headers.
                Protos.duration(h.hasRequestHeadersTimeout(), h.getRequestHeadersTimeout(), Duration.ZERO));
    }
}

package io.remora.config;

import java.time.Duration;
import java.util.List;

/**
 * {@code envoy.filters.network.http_connection_manager}.
 *
 * @param routeConfig      the inline route_config, or null when {@code rdsName} is set
 * @param rdsName          RDS route configuration name, or null for inline
 * @param streamIdleTimeout default 5 min; ZERO disables
 * @param requestTimeout   default ZERO (disabled)
 * @param idleTimeout      downstream connection idle timeout (common_http_protocol_options), default 1 h
 * @param drainTimeout     default 5 s
 * @param maxRequestHeadersKb default 60; over it → 431
 * @param maxRequestHeadersCount default 100
 * @param serverName       value of the {@code server} response header (default "envoy")
 * @param requestHeadersTimeout from the first byte of a request to the end of its headers; null
 *                         or ZERO disables (Envoy's default)
 */
public record HttpConnectionManagerConfig(
        String statPrefix,
        CodecType codecType,
        RouteConfiguration routeConfig,
        String rdsName,
        List<HttpFilterEntry> httpFilters,
        Duration streamIdleTimeout,
        Duration requestTimeout,
        Duration idleTimeout,
        Duration drainTimeout,
        int maxRequestHeadersKb,
        int maxRequestHeadersCount,
        boolean useRemoteAddress,
        int xffNumTrustedHops,
        boolean skipXffAppend,
        boolean generateRequestId,
        boolean preserveExternalRequestId,
        String serverName,
        ServerHeaderTransformation serverHeaderTransformation,
        Http2Options http2Options,
        boolean normalizePath,
        boolean mergeSlashes,
        List<AccessLogConfig> accessLogs,
        Duration requestHeadersTimeout) implements NetworkFilterConfig {

    /** Without a request_headers_timeout (disabled, as Envoy's default). */
    public HttpConnectionManagerConfig(String statPrefix, CodecType codecType, RouteConfiguration routeConfig,
                                       String rdsName, List<HttpFilterEntry> httpFilters, Duration streamIdleTimeout,
                                       Duration requestTimeout, Duration idleTimeout, Duration drainTimeout,
                                       int maxRequestHeadersKb, int maxRequestHeadersCount, boolean useRemoteAddress,
                                       int xffNumTrustedHops, boolean skipXffAppend, boolean generateRequestId,
                                       boolean preserveExternalRequestId, String serverName,
                                       ServerHeaderTransformation serverHeaderTransformation, Http2Options http2Options,
                                       boolean normalizePath, boolean mergeSlashes, List<AccessLogConfig> accessLogs) {
        this(statPrefix, codecType, routeConfig, rdsName, httpFilters, streamIdleTimeout, requestTimeout, idleTimeout,
                drainTimeout, maxRequestHeadersKb, maxRequestHeadersCount, useRemoteAddress, xffNumTrustedHops,
                skipXffAppend, generateRequestId, preserveExternalRequestId, serverName, serverHeaderTransformation,
                http2Options, normalizePath, mergeSlashes, accessLogs, null);
    }

    public static final String NAME = "envoy.filters.network.http_connection_manager";

    public enum CodecType { AUTO, HTTP1, HTTP2 }

    public enum ServerHeaderTransformation { OVERWRITE, APPEND_IF_ABSENT, PASS_THROUGH }

    @Override
    public String filterName() {
        return NAME;
    }
}

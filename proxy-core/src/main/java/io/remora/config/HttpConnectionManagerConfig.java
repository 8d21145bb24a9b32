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
 * @param tracing          the HCM's {@code tracing}, or null
 * @param clientCertForwarding {@code forward_client_cert_details} / {@code set_current_client_cert_details}
 * @param upgrades         {@code upgrade_configs}: the upgrade types (websocket, CONNECT, ...) this
 *                         connection manager lets through unless a route says otherwise
 * @param maxConnectionDuration {@code common_http_protocol_options.max_connection_duration}: a
 *                         downstream connection older than this is drained; null or ZERO for none
 * @param maxRequestsPerConnection {@code common_http_protocol_options.max_requests_per_connection}:
 *                         the request that reaches it is a connection's last; 0 for unlimited
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
        Duration requestHeadersTimeout,
        TracingConfig tracing,
        ClientCertForwarding clientCertForwarding,
        List<Upgrade> upgrades,
        Duration maxConnectionDuration,
        int maxRequestsPerConnection) implements NetworkFilterConfig {

    public HttpConnectionManagerConfig {
        upgrades = upgrades == null ? List.of() : List.copyOf(upgrades);
        clientCertForwarding = clientCertForwarding == null ? ClientCertForwarding.SANITIZE : clientCertForwarding;
    }

    /** Without max_connection_duration and max_requests_per_connection (Envoy's defaults: none). */
    public HttpConnectionManagerConfig(String statPrefix, CodecType codecType, RouteConfiguration routeConfig,
                                       String rdsName, List<HttpFilterEntry> httpFilters, Duration streamIdleTimeout,
                                       Duration requestTimeout, Duration idleTimeout, Duration drainTimeout,
                                       int maxRequestHeadersKb, int maxRequestHeadersCount, boolean useRemoteAddress,
                                       int xffNumTrustedHops, boolean skipXffAppend, boolean generateRequestId,
                                       boolean preserveExternalRequestId, String serverName,
                                       ServerHeaderTransformation serverHeaderTransformation, Http2Options http2Options,
                                       boolean normalizePath, boolean mergeSlashes, List<AccessLogConfig> accessLogs,
                                       Duration requestHeadersTimeout, TracingConfig tracing,
                                       ClientCertForwarding clientCertForwarding, List<Upgrade> upgrades) {
        this(statPrefix, codecType, routeConfig, rdsName, httpFilters, streamIdleTimeout, requestTimeout, idleTimeout,
                drainTimeout, maxRequestHeadersKb, maxRequestHeadersCount, useRemoteAddress, xffNumTrustedHops,
                skipXffAppend, generateRequestId, preserveExternalRequestId, serverName, serverHeaderTransformation,
                http2Options, normalizePath, mergeSlashes, accessLogs, requestHeadersTimeout, tracing,
                clientCertForwarding, upgrades, null, 0);
    }

    /** Without tracing and x-forwarded-client-cert settings (Envoy's default, SANITIZE). */
    public HttpConnectionManagerConfig(String statPrefix, CodecType codecType, RouteConfiguration routeConfig,
                                       String rdsName, List<HttpFilterEntry> httpFilters, Duration streamIdleTimeout,
                                       Duration requestTimeout, Duration idleTimeout, Duration drainTimeout,
                                       int maxRequestHeadersKb, int maxRequestHeadersCount, boolean useRemoteAddress,
                                       int xffNumTrustedHops, boolean skipXffAppend, boolean generateRequestId,
                                       boolean preserveExternalRequestId, String serverName,
                                       ServerHeaderTransformation serverHeaderTransformation, Http2Options http2Options,
                                       boolean normalizePath, boolean mergeSlashes, List<AccessLogConfig> accessLogs,
                                       Duration requestHeadersTimeout) {
        this(statPrefix, codecType, routeConfig, rdsName, httpFilters, streamIdleTimeout, requestTimeout, idleTimeout,
                drainTimeout, maxRequestHeadersKb, maxRequestHeadersCount, useRemoteAddress, xffNumTrustedHops,
                skipXffAppend, generateRequestId, preserveExternalRequestId, serverName, serverHeaderTransformation,
                http2Options, normalizePath, mergeSlashes, accessLogs, requestHeadersTimeout, null,
                ClientCertForwarding.SANITIZE, List.of());
    }

    /** Without a request_headers_timeout (disabled, as Envoy's default) and without tracing. */
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
                http2Options, normalizePath, mergeSlashes, accessLogs, null, null, ClientCertForwarding.SANITIZE,
                List.of());
    }

    public static final String NAME = "envoy.filters.network.http_connection_manager";

    public enum CodecType { AUTO, HTTP1, HTTP2 }

    /**
     * One {@code upgrade_configs} entry.
     *
     * @param upgradeType the Upgrade header value, or CONNECT (compared case-insensitively)
     * @param filters     the upgrade's own HTTP filter chain, or null to use the connection manager's
     */
    public record Upgrade(String upgradeType, boolean enabled, List<HttpFilterEntry> filters) {
        public Upgrade {
            java.util.Objects.requireNonNull(upgradeType, "upgradeType");
            filters = filters == null ? null : List.copyOf(filters);
        }
    }

    /** This config with {@code upgrade_configs} replaced. */
    public HttpConnectionManagerConfig withUpgrades(List<Upgrade> u) {
        return new HttpConnectionManagerConfig(statPrefix, codecType, routeConfig, rdsName, httpFilters,
                streamIdleTimeout, requestTimeout, idleTimeout, drainTimeout, maxRequestHeadersKb,
                maxRequestHeadersCount, useRemoteAddress, xffNumTrustedHops, skipXffAppend, generateRequestId,
                preserveExternalRequestId, serverName, serverHeaderTransformation, http2Options, normalizePath,
                mergeSlashes, accessLogs, requestHeadersTimeout, tracing, clientCertForwarding, u,
                maxConnectionDuration, maxRequestsPerConnection);
    }

    /** This config with a downstream max_connection_duration and max_requests_per_connection. */
    public HttpConnectionManagerConfig withConnectionLifetime(Duration maxDuration, int maxRequests) {
        return new HttpConnectionManagerConfig(statPrefix, codecType, routeConfig, rdsName, httpFilters,
                streamIdleTimeout, requestTimeout, idleTimeout, drainTimeout, maxRequestHeadersKb,
                maxRequestHeadersCount, useRemoteAddress, xffNumTrustedHops, skipXffAppend, generateRequestId,
                preserveExternalRequestId, serverName, serverHeaderTransformation, http2Options, normalizePath,
                mergeSlashes, accessLogs, requestHeadersTimeout, tracing, clientCertForwarding, upgrades,
                maxDuration, maxRequests);
    }

    public enum ServerHeaderTransformation { OVERWRITE, APPEND_IF_ABSENT, PASS_THROUGH }

    @Override
    public String filterName() {
        return NAME;
    }
}

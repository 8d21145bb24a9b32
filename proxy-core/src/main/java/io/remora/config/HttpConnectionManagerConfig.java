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
 * @param idleTimeout      downstream connection idle timeout (common_http_protocol_options),
 *                         default 1 h
 * @param drainTimeout     default 5 s
 * @param delayedCloseTimeout how long a downstream connection this manager closes waits for the
 *                         client to close first, reading and dropping what it still sends; default
 *                         1 s, ZERO closes as soon as the last bytes are written
 * @param maxRequestHeadersKb default 60; over it → 431
 * @param maxRequestHeadersCount default 100
 * @param serverName       value of the {@code server} response header (default "envoy")
 * @param requestHeadersTimeout from the first byte of a request to the end of its headers; null
 *                         or ZERO disables (Envoy's default)
 * @param tracing          the HCM's {@code tracing}, or null
 * @param clientCertForwarding {@code forward_client_cert_details} / {@code
 *                         set_current_client_cert_details}
 * @param upgrades         {@code upgrade_configs}: the upgrade types (websocket, CONNECT, ...) this
 *                         connection manager lets through unless a route says otherwise
 * @param maxConnectionDuration {@code common_http_protocol_options.max_connection_duration}: a
 *                         downstream connection older than this is drained; null or ZERO for none
 * @param maxRequestsPerConnection {@code common_http_protocol_options.max_requests_per_connection}:
 *                         the request that reaches it is a connection's last; 0 for unlimited
 * @param http1EnableTrailers {@code http_protocol_options.enable_trailers}: HTTP/1.1 trailers are
 *                         read from and written to downstream connections; otherwise dropped
 * @param localReply {@code local_reply_config}: how the replies this manager makes itself are
 *                         rewritten; null: as made
 * @param via {@code via}: appended to the Via header of requests and responses; null or empty: none
 * @param alwaysSetRequestIdInResponse {@code always_set_request_id_in_response}: the request's
 *                         x-request-id is returned in the response
 * @param appendXForwardedPort {@code append_x_forwarded_port}: x-forwarded-port set to the
 *                         listener's port when absent (or untrusted)
 * @param schemeToOverwrite {@code scheme_header_transformation.scheme_to_overwrite}: :scheme and
 *                         x-forwarded-proto set to it; null: as received
 * @param stripPortMode {@code strip_matching_host_port} / {@code strip_any_host_port}: which port
 *                         is dropped from the Host before filters and routing
 * @param stripTrailingHostDot {@code strip_trailing_host_dot}: a trailing dot of the Host's name is
 *                         dropped
 * @param escapedSlashesAction {@code path_with_escaped_slashes_action}: what %2F and %5C in the
 *                         path lead to
 * @param appendLocalOverload {@code append_local_overload}: the overload manager's 503s carry
 *                         x-envoy-local-overloaded: true
 * @param bypassOverloadManager the listener's {@code bypass_overload_manager}: no overload action
 *                         applies to its streams
 * @param http1Options the rest of {@code http_protocol_options} (header case, framing, URL forms)
 * @param http1AcceptHttp10 {@code http_protocol_options.accept_http_10}: HTTP/1.0 requests are
 *                         served; otherwise 426 Upgrade Required, as Envoy's default
 * @param http1DefaultHostForHttp10 {@code http_protocol_options.default_host_for_http_10}: the Host
 *                         of an HTTP/1.0 request without one; null for none
 * @param internalAddressConfig {@code internal_address_config}; never null
 * @param headersWithUnderscoresAction {@code common_http_protocol_options.headers_with_underscores_action}
 * @param addUserAgent {@code add_user_agent}: x-envoy-downstream-service-cluster/-node from this proxy's node, and a missing user-agent set to its cluster
 * @param maxStreamDuration {@code common_http_protocol_options.max_stream_duration}: a stream's longest life (408 or 504 then); null or zero for none
 * @param proxyStatus {@code proxy_status_config}, or null
 * @param proxy100Continue Envoy's proxy_100_continue: Expect: 100-continue goes upstream and the upstream's 100 comes back, rather than the proxy answering it
 * @param accessLogOptions {@code access_log_options}: entries at a stream's start, periodically and when its tunnel is established, besides its end
 * @param schemeMatchUpstream {@code scheme_header_transformation.match_upstream}: :scheme set to the upstream connection's (https over TLS, else http) per attempt, unless schemeToOverwrite is set
 * @param http1SafeMaxConnectionDuration {@code http1_safe_max_connection_duration}: at max_connection_duration an HTTP/1.1 connection is not closed while idle; its next response carries connection: close and it closes after that
 * @param streamErrorOnInvalidHttpMessage {@code stream_error_on_invalid_http_message} (or {@code http2_protocol_options.override_stream_error_on_invalid_http_message}, which wins): an invalid HTTP/2 request resets its stream only; false (Envoy's default) terminates its connection. HTTP/1.1 closes the connection either way
 * @param earlyHeaderMutations {@code early_header_mutation_extensions} (the header_mutation one): request header changes made before the connection manager's own, the route's choice, tracing and every filter
 * @param scopedRoutes     {@code scoped_routes}, or null when {@code routeConfig} or {@code rdsName} is set
 * @param originalIpDetections {@code original_ip_detection_extensions}, in order; empty: the HCM's own XFF rules
 * @param requestIdPackTraceReason the UUID {@code request_id_extension}'s {@code pack_trace_reason} (default
 *                         true): an external x-request-id kept at the edge loses the trace reason packed in it
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
        Duration delayedCloseTimeout,
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
        int maxRequestsPerConnection,
        boolean http1EnableTrailers,
        LocalReplyConfig localReply,
        String via,
        boolean alwaysSetRequestIdInResponse,
        boolean appendXForwardedPort,
        String schemeToOverwrite,
        StripPortMode stripPortMode,
        boolean stripTrailingHostDot,
        EscapedSlashesAction escapedSlashesAction,
        boolean appendLocalOverload,
        boolean bypassOverloadManager,
        boolean http1AcceptHttp10,
        String http1DefaultHostForHttp10,
        InternalAddressConfig internalAddressConfig,
        HeadersWithUnderscoresAction headersWithUnderscoresAction,
        boolean addUserAgent,
        java.time.Duration maxStreamDuration,
        ProxyStatusConfig proxyStatus,
        boolean proxy100Continue,
        AccessLogOptions accessLogOptions,
        boolean schemeMatchUpstream,
        boolean http1SafeMaxConnectionDuration,
        boolean streamErrorOnInvalidHttpMessage,
        List<HeaderMutationRule> earlyHeaderMutations,
        ScopedRoutesConfig scopedRoutes,
        List<OriginalIpDetection> originalIpDetections,
        Http1Options http1Options,
        boolean requestIdPackTraceReason) implements NetworkFilterConfig {

    public HttpConnectionManagerConfig {
        upgrades = upgrades == null ? List.of() : List.copyOf(upgrades);
        earlyHeaderMutations = earlyHeaderMutations == null ? List.of() : List.copyOf(earlyHeaderMutations);
        originalIpDetections = originalIpDetections == null ? List.of() : List.copyOf(originalIpDetections);
        clientCertForwarding = clientCertForwarding == null ? ClientCertForwarding.SANITIZE : clientCertForwarding;
        stripPortMode = stripPortMode == null ? StripPortMode.NONE : stripPortMode;
        escapedSlashesAction = escapedSlashesAction == null ? EscapedSlashesAction.KEEP_UNCHANGED : escapedSlashesAction;
        delayedCloseTimeout = delayedCloseTimeout == null ? Duration.ofSeconds(1) : delayedCloseTimeout;
        internalAddressConfig = internalAddressConfig == null ? InternalAddressConfig.DEFAULT : internalAddressConfig;
        headersWithUnderscoresAction = headersWithUnderscoresAction == null ? HeadersWithUnderscoresAction.ALLOW
                : headersWithUnderscoresAction;
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
        return toBuilder().upgrades(u).build();
    }

    /** A connection manager with Envoy's defaults for everything but its stat prefix. */
    public static HttpConnectionManagerConfigBuilder builder(String statPrefix) {
        return new HttpConnectionManagerConfigBuilder(statPrefix);
    }

    public HttpConnectionManagerConfigBuilder toBuilder() {
        return new HttpConnectionManagerConfigBuilder(statPrefix)
                .codecType(codecType)
                .routeConfig(routeConfig)
                .rdsName(rdsName)
                .httpFilters(httpFilters)
                .streamIdleTimeout(streamIdleTimeout)
                .requestTimeout(requestTimeout)
                .idleTimeout(idleTimeout)
                .drainTimeout(drainTimeout)
                .delayedCloseTimeout(delayedCloseTimeout)
                .maxRequestHeadersKb(maxRequestHeadersKb)
                .maxRequestHeadersCount(maxRequestHeadersCount)
                .useRemoteAddress(useRemoteAddress)
                .xffNumTrustedHops(xffNumTrustedHops)
                .skipXffAppend(skipXffAppend)
                .generateRequestId(generateRequestId)
                .preserveExternalRequestId(preserveExternalRequestId)
                .serverName(serverName)
                .serverHeaderTransformation(serverHeaderTransformation)
                .http2Options(http2Options)
                .normalizePath(normalizePath)
                .mergeSlashes(mergeSlashes)
                .accessLogs(accessLogs)
                .requestHeadersTimeout(requestHeadersTimeout)
                .tracing(tracing)
                .clientCertForwarding(clientCertForwarding)
                .upgrades(upgrades)
                .maxConnectionDuration(maxConnectionDuration)
                .maxRequestsPerConnection(maxRequestsPerConnection)
                .http1EnableTrailers(http1EnableTrailers)
                .localReply(localReply)
                .via(via)
                .alwaysSetRequestIdInResponse(alwaysSetRequestIdInResponse)
                .appendXForwardedPort(appendXForwardedPort)
                .schemeToOverwrite(schemeToOverwrite)
                .stripPortMode(stripPortMode)
                .stripTrailingHostDot(stripTrailingHostDot)
                .escapedSlashesAction(escapedSlashesAction)
                .appendLocalOverload(appendLocalOverload)
                .bypassOverloadManager(bypassOverloadManager)
                .http1AcceptHttp10(http1AcceptHttp10)
                .http1DefaultHostForHttp10(http1DefaultHostForHttp10)
                .internalAddressConfig(internalAddressConfig)
                .headersWithUnderscoresAction(headersWithUnderscoresAction)
                .addUserAgent(addUserAgent)
                .maxStreamDuration(maxStreamDuration)
                .proxyStatus(proxyStatus)
                .proxy100Continue(proxy100Continue)
                .accessLogOptions(accessLogOptions)
                .schemeMatchUpstream(schemeMatchUpstream)
                .http1SafeMaxConnectionDuration(http1SafeMaxConnectionDuration)
                .streamErrorOnInvalidHttpMessage(streamErrorOnInvalidHttpMessage)
                .earlyHeaderMutations(earlyHeaderMutations)
                .scopedRoutes(scopedRoutes)
                .originalIpDetections(originalIpDetections)
                .http1Options(http1Options)
                .requestIdPackTraceReason(requestIdPackTraceReason);
    }

    public enum ServerHeaderTransformation { OVERWRITE, APPEND_IF_ABSENT, PASS_THROUGH }

    /** Which port of the Host is dropped: none, only the listener's own, or any. */
    public enum StripPortMode { NONE, MATCHING, ANY }

    /** Envoy's PathWithEscapedSlashesAction (its IMPLEMENTATION_SPECIFIC_DEFAULT is KEEP_UNCHANGED). */
    public enum EscapedSlashesAction { KEEP_UNCHANGED, REJECT_REQUEST, UNESCAPE_AND_REDIRECT, UNESCAPE_AND_FORWARD }

    /** Envoy's HeadersWithUnderscoresAction for request header names with '_'. */
    public enum HeadersWithUnderscoresAction { ALLOW, REJECT_REQUEST, DROP_HEADER }

    @Override
    public String filterName() {
        return NAME;
    }
}

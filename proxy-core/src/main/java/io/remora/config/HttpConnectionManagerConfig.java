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
        List<OriginalIpDetection> originalIpDetections) implements NetworkFilterConfig {

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
    public static Builder builder(String statPrefix) {
        return new Builder(statPrefix);
    }

    public Builder toBuilder() {
        return new Builder(statPrefix)
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
                .originalIpDetections(originalIpDetections);
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

    /**
     * Builds an {@link HttpConnectionManagerConfig}; unset members keep Envoy's defaults (AUTO codec,
     * 5 min stream idle, 1 h connection idle, 5 s drain, 1 s delayed close, 60 KiB / 100 headers, request ids on).
     */
    public static final class Builder {
        private final String statPrefix;
        private CodecType codecType = CodecType.AUTO;
        private RouteConfiguration routeConfig = null;
        private String rdsName = null;
        private List<HttpFilterEntry> httpFilters = List.of();
        private Duration streamIdleTimeout = Duration.ofMinutes(5);
        private Duration requestTimeout = Duration.ZERO;
        private Duration idleTimeout = Duration.ofHours(1);
        private Duration drainTimeout = Duration.ofSeconds(5);
        private Duration delayedCloseTimeout = Duration.ofSeconds(1);
        private int maxRequestHeadersKb = 60;
        private int maxRequestHeadersCount = 100;
        private boolean useRemoteAddress = false;
        private int xffNumTrustedHops = 0;
        private boolean skipXffAppend = false;
        private boolean generateRequestId = true;
        private boolean preserveExternalRequestId = false;
        private String serverName = "envoy";
        private ServerHeaderTransformation serverHeaderTransformation = ServerHeaderTransformation.OVERWRITE;
        private Http2Options http2Options = Http2Options.DEFAULT;
        private boolean normalizePath = false;
        private boolean mergeSlashes = false;
        private List<AccessLogConfig> accessLogs = List.of();
        private Duration requestHeadersTimeout = Duration.ZERO;
        private TracingConfig tracing = null;
        private ClientCertForwarding clientCertForwarding = ClientCertForwarding.SANITIZE;
        private List<Upgrade> upgrades = List.of();
        private Duration maxConnectionDuration = null;
        private int maxRequestsPerConnection = 0;
        private boolean http1EnableTrailers;
        private LocalReplyConfig localReply;
        private String via;
        private boolean alwaysSetRequestIdInResponse;
        private boolean appendXForwardedPort;
        private String schemeToOverwrite;
        private StripPortMode stripPortMode = StripPortMode.NONE;
        private boolean stripTrailingHostDot;
        private EscapedSlashesAction escapedSlashesAction = EscapedSlashesAction.KEEP_UNCHANGED;
        private boolean appendLocalOverload;
        private boolean bypassOverloadManager;
        private boolean http1AcceptHttp10;
        private String http1DefaultHostForHttp10;
        private InternalAddressConfig internalAddressConfig = InternalAddressConfig.DEFAULT;
        private HeadersWithUnderscoresAction headersWithUnderscoresAction = HeadersWithUnderscoresAction.ALLOW;
        private boolean addUserAgent;
        private java.time.Duration maxStreamDuration;
        private ProxyStatusConfig proxyStatus;
        private boolean proxy100Continue;
        private AccessLogOptions accessLogOptions = AccessLogOptions.NONE;
        private List<HeaderMutationRule> earlyHeaderMutations = List.of();
        private ScopedRoutesConfig scopedRoutes;
        private List<OriginalIpDetection> originalIpDetections = List.of();
        private boolean schemeMatchUpstream;
        private boolean http1SafeMaxConnectionDuration;
        private boolean streamErrorOnInvalidHttpMessage;

        private Builder(String statPrefix) {
            this.statPrefix = statPrefix;
        }

        public Builder codecType(CodecType codecType) {
            this.codecType = codecType;
            return this;
        }

        public Builder routeConfig(RouteConfiguration routeConfig) {
            this.routeConfig = routeConfig;
            return this;
        }

        public Builder rdsName(String rdsName) {
            this.rdsName = rdsName;
            return this;
        }

        public Builder httpFilters(List<HttpFilterEntry> httpFilters) {
            this.httpFilters = httpFilters;
            return this;
        }

        public Builder streamIdleTimeout(Duration streamIdleTimeout) {
            this.streamIdleTimeout = streamIdleTimeout;
            return this;
        }

        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
            return this;
        }

        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
            return this;
        }

        public Builder drainTimeout(Duration drainTimeout) {
            this.drainTimeout = drainTimeout;
            return this;
        }

        public Builder delayedCloseTimeout(Duration delayedCloseTimeout) {
            this.delayedCloseTimeout = delayedCloseTimeout;
            return this;
        }

        public Builder maxRequestHeadersKb(int maxRequestHeadersKb) {
            this.maxRequestHeadersKb = maxRequestHeadersKb;
            return this;
        }

        public Builder maxRequestHeadersCount(int maxRequestHeadersCount) {
            this.maxRequestHeadersCount = maxRequestHeadersCount;
            return this;
        }

        public Builder useRemoteAddress(boolean useRemoteAddress) {
            this.useRemoteAddress = useRemoteAddress;
            return this;
        }

        public Builder xffNumTrustedHops(int xffNumTrustedHops) {
            this.xffNumTrustedHops = xffNumTrustedHops;
            return this;
        }

        public Builder skipXffAppend(boolean skipXffAppend) {
            this.skipXffAppend = skipXffAppend;
            return this;
        }

        public Builder generateRequestId(boolean generateRequestId) {
            this.generateRequestId = generateRequestId;
            return this;
        }

        public Builder preserveExternalRequestId(boolean preserveExternalRequestId) {
            this.preserveExternalRequestId = preserveExternalRequestId;
            return this;
        }

        public Builder serverName(String serverName) {
            this.serverName = serverName;
            return this;
        }

        public Builder serverHeaderTransformation(ServerHeaderTransformation serverHeaderTransformation) {
            this.serverHeaderTransformation = serverHeaderTransformation;
            return this;
        }

        public Builder http2Options(Http2Options http2Options) {
            this.http2Options = http2Options;
            return this;
        }

        public Builder normalizePath(boolean normalizePath) {
            this.normalizePath = normalizePath;
            return this;
        }

        public Builder mergeSlashes(boolean mergeSlashes) {
            this.mergeSlashes = mergeSlashes;
            return this;
        }

        public Builder accessLogs(List<AccessLogConfig> accessLogs) {
            this.accessLogs = accessLogs;
            return this;
        }

        public Builder requestHeadersTimeout(Duration requestHeadersTimeout) {
            this.requestHeadersTimeout = requestHeadersTimeout;
            return this;
        }

        public Builder tracing(TracingConfig tracing) {
            this.tracing = tracing;
            return this;
        }

        public Builder clientCertForwarding(ClientCertForwarding clientCertForwarding) {
            this.clientCertForwarding = clientCertForwarding;
            return this;
        }

        public Builder upgrades(List<Upgrade> upgrades) {
            this.upgrades = upgrades;
            return this;
        }

        public Builder maxConnectionDuration(Duration maxConnectionDuration) {
            this.maxConnectionDuration = maxConnectionDuration;
            return this;
        }

        public Builder maxRequestsPerConnection(int maxRequestsPerConnection) {
            this.maxRequestsPerConnection = maxRequestsPerConnection;
            return this;
        }

        public Builder http1EnableTrailers(boolean http1EnableTrailers) {
            this.http1EnableTrailers = http1EnableTrailers;
            return this;
        }

        public Builder localReply(LocalReplyConfig localReply) {
            this.localReply = localReply;
            return this;
        }

        public Builder via(String via) {
            this.via = via;
            return this;
        }

        public Builder alwaysSetRequestIdInResponse(boolean alwaysSetRequestIdInResponse) {
            this.alwaysSetRequestIdInResponse = alwaysSetRequestIdInResponse;
            return this;
        }

        public Builder appendXForwardedPort(boolean appendXForwardedPort) {
            this.appendXForwardedPort = appendXForwardedPort;
            return this;
        }

        public Builder schemeToOverwrite(String schemeToOverwrite) {
            this.schemeToOverwrite = schemeToOverwrite;
            return this;
        }

        public Builder stripPortMode(StripPortMode stripPortMode) {
            this.stripPortMode = stripPortMode;
            return this;
        }

        public Builder stripTrailingHostDot(boolean stripTrailingHostDot) {
            this.stripTrailingHostDot = stripTrailingHostDot;
            return this;
        }

        public Builder escapedSlashesAction(EscapedSlashesAction escapedSlashesAction) {
            this.escapedSlashesAction = escapedSlashesAction;
            return this;
        }

        public Builder appendLocalOverload(boolean appendLocalOverload) {
            this.appendLocalOverload = appendLocalOverload;
            return this;
        }

        public Builder bypassOverloadManager(boolean bypassOverloadManager) {
            this.bypassOverloadManager = bypassOverloadManager;
            return this;
        }

        public Builder http1AcceptHttp10(boolean http1AcceptHttp10) {
            this.http1AcceptHttp10 = http1AcceptHttp10;
            return this;
        }

        public Builder http1DefaultHostForHttp10(String http1DefaultHostForHttp10) {
            this.http1DefaultHostForHttp10 = http1DefaultHostForHttp10;
            return this;
        }

        public Builder earlyHeaderMutations(List<HeaderMutationRule> earlyHeaderMutations) {
            this.earlyHeaderMutations = earlyHeaderMutations;
            return this;
        }

        public Builder scopedRoutes(ScopedRoutesConfig scopedRoutes) {
            this.scopedRoutes = scopedRoutes;
            return this;
        }

        public Builder internalAddressConfig(InternalAddressConfig internalAddressConfig) {
            this.internalAddressConfig = internalAddressConfig;
            return this;
        }

        public Builder headersWithUnderscoresAction(HeadersWithUnderscoresAction headersWithUnderscoresAction) {
            this.headersWithUnderscoresAction = headersWithUnderscoresAction;
            return this;
        }

        public Builder addUserAgent(boolean addUserAgent) {
            this.addUserAgent = addUserAgent;
            return this;
        }

        public Builder maxStreamDuration(java.time.Duration maxStreamDuration) {
            this.maxStreamDuration = maxStreamDuration;
            return this;
        }

        public Builder proxyStatus(ProxyStatusConfig proxyStatus) {
            this.proxyStatus = proxyStatus;
            return this;
        }

        public Builder proxy100Continue(boolean proxy100Continue) {
            this.proxy100Continue = proxy100Continue;
            return this;
        }

        public Builder accessLogOptions(AccessLogOptions accessLogOptions) {
            this.accessLogOptions = accessLogOptions;
            return this;
        }

        public Builder schemeMatchUpstream(boolean schemeMatchUpstream) {
            this.schemeMatchUpstream = schemeMatchUpstream;
            return this;
        }

        public Builder http1SafeMaxConnectionDuration(boolean http1SafeMaxConnectionDuration) {
            this.http1SafeMaxConnectionDuration = http1SafeMaxConnectionDuration;
            return this;
        }

        public Builder streamErrorOnInvalidHttpMessage(boolean streamErrorOnInvalidHttpMessage) {
            this.streamErrorOnInvalidHttpMessage = streamErrorOnInvalidHttpMessage;
            return this;
        }

        public Builder originalIpDetections(List<OriginalIpDetection> originalIpDetections) {
            this.originalIpDetections = originalIpDetections;
            return this;
        }

        public HttpConnectionManagerConfig build() {
            return new HttpConnectionManagerConfig(statPrefix, codecType, routeConfig, rdsName, httpFilters, streamIdleTimeout, requestTimeout, idleTimeout, drainTimeout, delayedCloseTimeout, maxRequestHeadersKb, maxRequestHeadersCount, useRemoteAddress, xffNumTrustedHops, skipXffAppend, generateRequestId, preserveExternalRequestId, serverName, serverHeaderTransformation, http2Options, normalizePath, mergeSlashes, accessLogs, requestHeadersTimeout, tracing, clientCertForwarding, upgrades, maxConnectionDuration, maxRequestsPerConnection, http1EnableTrailers, localReply, via, alwaysSetRequestIdInResponse, appendXForwardedPort, schemeToOverwrite, stripPortMode, stripTrailingHostDot, escapedSlashesAction, appendLocalOverload, bypassOverloadManager, http1AcceptHttp10, http1DefaultHostForHttp10, internalAddressConfig, headersWithUnderscoresAction, addUserAgent, maxStreamDuration, proxyStatus, proxy100Continue, accessLogOptions, schemeMatchUpstream, http1SafeMaxConnectionDuration, streamErrorOnInvalidHttpMessage, earlyHeaderMutations, scopedRoutes, originalIpDetections);
        }
    }
}

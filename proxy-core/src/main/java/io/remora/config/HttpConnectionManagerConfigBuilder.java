package io.remora.config;

import io.remora.config.HttpConnectionManagerConfig.CodecType;
import io.remora.config.HttpConnectionManagerConfig.EscapedSlashesAction;
import io.remora.config.HttpConnectionManagerConfig.HeadersWithUnderscoresAction;
import io.remora.config.HttpConnectionManagerConfig.ServerHeaderTransformation;
import io.remora.config.HttpConnectionManagerConfig.StripPortMode;
import io.remora.config.HttpConnectionManagerConfig.Upgrade;

import java.time.Duration;
import java.util.List;

/**
 * Builds an {@link HttpConnectionManagerConfig}; unset members keep Envoy's defaults (AUTO codec,
 * 5 min stream idle, 1 h connection idle, 5 s drain, 1 s delayed close, 60 KiB / 100 headers, request ids on).
 */
public final class HttpConnectionManagerConfigBuilder {
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
    private Http1Options http1Options = Http1Options.DEFAULT;
    private String http1DefaultHostForHttp10;
    private InternalAddressConfig internalAddressConfig = InternalAddressConfig.DEFAULT;
    private HeadersWithUnderscoresAction headersWithUnderscoresAction = HeadersWithUnderscoresAction.ALLOW;
    private boolean addUserAgent;
    private java.time.Duration maxStreamDuration;
    private ProxyStatusConfig proxyStatus;
    private boolean proxy100Continue;
    private boolean requestIdPackTraceReason = true;
    private AccessLogOptions accessLogOptions = AccessLogOptions.NONE;
    private List<HeaderMutationRule> earlyHeaderMutations = List.of();
    private ScopedRoutesConfig scopedRoutes;
    private List<OriginalIpDetection> originalIpDetections = List.of();
    private boolean schemeMatchUpstream;
    private boolean http1SafeMaxConnectionDuration;
    private boolean streamErrorOnInvalidHttpMessage;

    HttpConnectionManagerConfigBuilder(String statPrefix) {
        this.statPrefix = statPrefix;
    }

    public HttpConnectionManagerConfigBuilder codecType(CodecType codecType) {
        this.codecType = codecType;
        return this;
    }

    public HttpConnectionManagerConfigBuilder routeConfig(RouteConfiguration routeConfig) {
        this.routeConfig = routeConfig;
        return this;
    }

    public HttpConnectionManagerConfigBuilder rdsName(String rdsName) {
        this.rdsName = rdsName;
        return this;
    }

    public HttpConnectionManagerConfigBuilder httpFilters(List<HttpFilterEntry> httpFilters) {
        this.httpFilters = httpFilters;
        return this;
    }

    public HttpConnectionManagerConfigBuilder streamIdleTimeout(Duration streamIdleTimeout) {
        this.streamIdleTimeout = streamIdleTimeout;
        return this;
    }

    public HttpConnectionManagerConfigBuilder requestTimeout(Duration requestTimeout) {
        this.requestTimeout = requestTimeout;
        return this;
    }

    public HttpConnectionManagerConfigBuilder idleTimeout(Duration idleTimeout) {
        this.idleTimeout = idleTimeout;
        return this;
    }

    public HttpConnectionManagerConfigBuilder drainTimeout(Duration drainTimeout) {
        this.drainTimeout = drainTimeout;
        return this;
    }

    public HttpConnectionManagerConfigBuilder delayedCloseTimeout(Duration delayedCloseTimeout) {
        this.delayedCloseTimeout = delayedCloseTimeout;
        return this;
    }

    public HttpConnectionManagerConfigBuilder maxRequestHeadersKb(int maxRequestHeadersKb) {
        this.maxRequestHeadersKb = maxRequestHeadersKb;
        return this;
    }

    public HttpConnectionManagerConfigBuilder maxRequestHeadersCount(int maxRequestHeadersCount) {
        this.maxRequestHeadersCount = maxRequestHeadersCount;
        return this;
    }

    public HttpConnectionManagerConfigBuilder useRemoteAddress(boolean useRemoteAddress) {
        this.useRemoteAddress = useRemoteAddress;
        return this;
    }

    public HttpConnectionManagerConfigBuilder xffNumTrustedHops(int xffNumTrustedHops) {
        this.xffNumTrustedHops = xffNumTrustedHops;
        return this;
    }

    public HttpConnectionManagerConfigBuilder skipXffAppend(boolean skipXffAppend) {
        this.skipXffAppend = skipXffAppend;
        return this;
    }

    public HttpConnectionManagerConfigBuilder generateRequestId(boolean generateRequestId) {
        this.generateRequestId = generateRequestId;
        return this;
    }

    public HttpConnectionManagerConfigBuilder preserveExternalRequestId(boolean preserveExternalRequestId) {
        this.preserveExternalRequestId = preserveExternalRequestId;
        return this;
    }

    public HttpConnectionManagerConfigBuilder serverName(String serverName) {
        this.serverName = serverName;
        return this;
    }

    public HttpConnectionManagerConfigBuilder serverHeaderTransformation(ServerHeaderTransformation serverHeaderTransformation) {
        this.serverHeaderTransformation = serverHeaderTransformation;
        return this;
    }

    public HttpConnectionManagerConfigBuilder http2Options(Http2Options http2Options) {
        this.http2Options = http2Options;
        return this;
    }

    public HttpConnectionManagerConfigBuilder normalizePath(boolean normalizePath) {
        this.normalizePath = normalizePath;
        return this;
    }

    public HttpConnectionManagerConfigBuilder mergeSlashes(boolean mergeSlashes) {
        this.mergeSlashes = mergeSlashes;
        return this;
    }

    public HttpConnectionManagerConfigBuilder accessLogs(List<AccessLogConfig> accessLogs) {
        this.accessLogs = accessLogs;
        return this;
    }

    public HttpConnectionManagerConfigBuilder requestHeadersTimeout(Duration requestHeadersTimeout) {
        this.requestHeadersTimeout = requestHeadersTimeout;
        return this;
    }

    public HttpConnectionManagerConfigBuilder tracing(TracingConfig tracing) {
        this.tracing = tracing;
        return this;
    }

    public HttpConnectionManagerConfigBuilder clientCertForwarding(ClientCertForwarding clientCertForwarding) {
        this.clientCertForwarding = clientCertForwarding;
        return this;
    }

    public HttpConnectionManagerConfigBuilder upgrades(List<Upgrade> upgrades) {
        this.upgrades = upgrades;
        return this;
    }

    public HttpConnectionManagerConfigBuilder maxConnectionDuration(Duration maxConnectionDuration) {
        this.maxConnectionDuration = maxConnectionDuration;
        return this;
    }

    public HttpConnectionManagerConfigBuilder maxRequestsPerConnection(int maxRequestsPerConnection) {
        this.maxRequestsPerConnection = maxRequestsPerConnection;
        return this;
    }

    public HttpConnectionManagerConfigBuilder http1EnableTrailers(boolean http1EnableTrailers) {
        this.http1EnableTrailers = http1EnableTrailers;
        return this;
    }

    public HttpConnectionManagerConfigBuilder localReply(LocalReplyConfig localReply) {
        this.localReply = localReply;
        return this;
    }

    public HttpConnectionManagerConfigBuilder via(String via) {
        this.via = via;
        return this;
    }

    public HttpConnectionManagerConfigBuilder alwaysSetRequestIdInResponse(boolean alwaysSetRequestIdInResponse) {
        this.alwaysSetRequestIdInResponse = alwaysSetRequestIdInResponse;
        return this;
    }

    public HttpConnectionManagerConfigBuilder appendXForwardedPort(boolean appendXForwardedPort) {
        this.appendXForwardedPort = appendXForwardedPort;
        return this;
    }

    public HttpConnectionManagerConfigBuilder schemeToOverwrite(String schemeToOverwrite) {
        this.schemeToOverwrite = schemeToOverwrite;
        return this;
    }

    public HttpConnectionManagerConfigBuilder stripPortMode(StripPortMode stripPortMode) {
        this.stripPortMode = stripPortMode;
        return this;
    }

    public HttpConnectionManagerConfigBuilder stripTrailingHostDot(boolean stripTrailingHostDot) {
        this.stripTrailingHostDot = stripTrailingHostDot;
        return this;
    }

    public HttpConnectionManagerConfigBuilder escapedSlashesAction(EscapedSlashesAction escapedSlashesAction) {
        this.escapedSlashesAction = escapedSlashesAction;
        return this;
    }

    public HttpConnectionManagerConfigBuilder appendLocalOverload(boolean appendLocalOverload) {
        this.appendLocalOverload = appendLocalOverload;
        return this;
    }

    public HttpConnectionManagerConfigBuilder bypassOverloadManager(boolean bypassOverloadManager) {
        this.bypassOverloadManager = bypassOverloadManager;
        return this;
    }

    public HttpConnectionManagerConfigBuilder http1Options(Http1Options http1Options) {
        this.http1Options = http1Options == null ? Http1Options.DEFAULT : http1Options;
        return this;
    }

    public HttpConnectionManagerConfigBuilder http1AcceptHttp10(boolean http1AcceptHttp10) {
        this.http1AcceptHttp10 = http1AcceptHttp10;
        return this;
    }

    public HttpConnectionManagerConfigBuilder http1DefaultHostForHttp10(String http1DefaultHostForHttp10) {
        this.http1DefaultHostForHttp10 = http1DefaultHostForHttp10;
        return this;
    }

    public HttpConnectionManagerConfigBuilder earlyHeaderMutations(List<HeaderMutationRule> earlyHeaderMutations) {
        this.earlyHeaderMutations = earlyHeaderMutations;
        return this;
    }

    public HttpConnectionManagerConfigBuilder scopedRoutes(ScopedRoutesConfig scopedRoutes) {
        this.scopedRoutes = scopedRoutes;
        return this;
    }

    public HttpConnectionManagerConfigBuilder internalAddressConfig(InternalAddressConfig internalAddressConfig) {
        this.internalAddressConfig = internalAddressConfig;
        return this;
    }

    public HttpConnectionManagerConfigBuilder headersWithUnderscoresAction(HeadersWithUnderscoresAction headersWithUnderscoresAction) {
        this.headersWithUnderscoresAction = headersWithUnderscoresAction;
        return this;
    }

    public HttpConnectionManagerConfigBuilder addUserAgent(boolean addUserAgent) {
        this.addUserAgent = addUserAgent;
        return this;
    }

    public HttpConnectionManagerConfigBuilder maxStreamDuration(java.time.Duration maxStreamDuration) {
        this.maxStreamDuration = maxStreamDuration;
        return this;
    }

    public HttpConnectionManagerConfigBuilder proxyStatus(ProxyStatusConfig proxyStatus) {
        this.proxyStatus = proxyStatus;
        return this;
    }

    public HttpConnectionManagerConfigBuilder requestIdPackTraceReason(boolean requestIdPackTraceReason) {
        this.requestIdPackTraceReason = requestIdPackTraceReason;
        return this;
    }

    public HttpConnectionManagerConfigBuilder proxy100Continue(boolean proxy100Continue) {
        this.proxy100Continue = proxy100Continue;
        return this;
    }

    public HttpConnectionManagerConfigBuilder accessLogOptions(AccessLogOptions accessLogOptions) {
        this.accessLogOptions = accessLogOptions;
        return this;
    }

    public HttpConnectionManagerConfigBuilder schemeMatchUpstream(boolean schemeMatchUpstream) {
        this.schemeMatchUpstream = schemeMatchUpstream;
        return this;
    }

    public HttpConnectionManagerConfigBuilder http1SafeMaxConnectionDuration(boolean http1SafeMaxConnectionDuration) {
        this.http1SafeMaxConnectionDuration = http1SafeMaxConnectionDuration;
        return this;
    }

    public HttpConnectionManagerConfigBuilder streamErrorOnInvalidHttpMessage(boolean streamErrorOnInvalidHttpMessage) {
        this.streamErrorOnInvalidHttpMessage = streamErrorOnInvalidHttpMessage;
        return this;
    }

    public HttpConnectionManagerConfigBuilder originalIpDetections(List<OriginalIpDetection> originalIpDetections) {
        this.originalIpDetections = originalIpDetections;
        return this;
    }

    public HttpConnectionManagerConfig build() {
        return new HttpConnectionManagerConfig(statPrefix, codecType, routeConfig, rdsName, httpFilters, streamIdleTimeout, requestTimeout, idleTimeout, drainTimeout, delayedCloseTimeout, maxRequestHeadersKb, maxRequestHeadersCount, useRemoteAddress, xffNumTrustedHops, skipXffAppend, generateRequestId, preserveExternalRequestId, serverName, serverHeaderTransformation, http2Options, normalizePath, mergeSlashes, accessLogs, requestHeadersTimeout, tracing, clientCertForwarding, upgrades, maxConnectionDuration, maxRequestsPerConnection, http1EnableTrailers, localReply, via, alwaysSetRequestIdInResponse, appendXForwardedPort, schemeToOverwrite, stripPortMode, stripTrailingHostDot, escapedSlashesAction, appendLocalOverload, bypassOverloadManager, http1AcceptHttp10, http1DefaultHostForHttp10, internalAddressConfig, headersWithUnderscoresAction, addUserAgent, maxStreamDuration, proxyStatus, proxy100Continue, accessLogOptions, schemeMatchUpstream, http1SafeMaxConnectionDuration, streamErrorOnInvalidHttpMessage, earlyHeaderMutations, scopedRoutes, originalIpDetections, http1Options,
                requestIdPackTraceReason);
    }
}

package io.remora.accesslog;

/** Envoy's response flags, as {@code %RESPONSE_FLAGS%} and {@code %RESPONSE_FLAGS_LONG%} print them. */
public enum ResponseFlag {
    FAILED_LOCAL_HEALTH_CHECK("LH", "FailedLocalHealthCheck"),
    NO_HEALTHY_UPSTREAM("UH", "NoHealthyUpstream"),
    UPSTREAM_CONNECTION_FAILURE("UF", "UpstreamConnectionFailure"),
    UPSTREAM_OVERFLOW("UO", "UpstreamOverflow"),
    NO_ROUTE_FOUND("NR", "NoRouteFound"),
    UPSTREAM_RETRY_LIMIT_EXCEEDED("URX", "UpstreamRetryLimitExceeded"),
    NO_CLUSTER_FOUND("NC", "NoClusterFound"),
    UPSTREAM_REQUEST_TIMEOUT("UT", "UpstreamRequestTimeout"),
    LOCAL_RESET("LR", "LocalReset"),
    UPSTREAM_REMOTE_RESET("UR", "UpstreamRemoteReset"),
    UPSTREAM_CONNECTION_TERMINATION("UC", "UpstreamConnectionTermination"),
    DOWNSTREAM_CONNECTION_TERMINATION("DC", "DownstreamConnectionTermination"),
    STREAM_IDLE_TIMEOUT("SI", "StreamIdleTimeout"),
    DELAY_INJECTED("DI", "DelayInjected"),
    FAULT_INJECTED("FI", "FaultInjected"),
    RATE_LIMITED("RL", "RateLimited"),
    UNAUTHORIZED_EXTERNAL_SERVICE("UAEX", "UnauthorizedExternalService"),
    RATE_LIMIT_SERVICE_ERROR("RLSE", "RateLimitServiceError"),
    DOWNSTREAM_PROTOCOL_ERROR("DPE", "DownstreamProtocolError"),
    UPSTREAM_PROTOCOL_ERROR("UPE", "UpstreamProtocolError"),
    NO_FILTER_CONFIG_FOUND("NFCF", "NoFilterConfigFound"),
    DURATION_TIMEOUT("DT", "DurationTimeout"),
    UPSTREAM_MAX_STREAM_DURATION_REACHED("UMSDR", "UpstreamMaxStreamDurationReached"),
    OVERLOAD_MANAGER("OM", "OverloadManagerTerminated"),
    DNS_RESOLUTION_FAILURE("DF", "DnsResolutionFailed"),
    INVALID_ENVOY_REQUEST_HEADERS("IH", "InvalidEnvoyRequestHeaders"),
    DROP_OVERLOAD("DO", "DropOverload"),
    UNCONDITIONAL_DROP_OVERLOAD("UDO", "UnconditionalDropOverload");

    public final String code;
    /** Envoy's long (PascalCase) name, as {@code %RESPONSE_FLAGS_LONG%} prints it. */
    public final String longName;

    ResponseFlag(String code, String longName) {
        this.code = code;
        this.longName = longName;
    }
}

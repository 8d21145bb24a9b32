package io.remora.extensions.filters.http.fault;

import io.remora.config.HeaderMatcher;
import io.remora.config.HttpFilterConfig;
import io.remora.config.RouteFilterConfig;
import io.remora.runtime.FractionalPercent;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code envoy.extensions.filters.http.fault.v3.HTTPFault}, as the filter's config and as a route's
 * {@code typed_per_filter_config} (which replaces the filter's settings on that route).
 *
 * @param abort             null when no abort is configured
 * @param delay             null when no delay is configured
 * @param responseRateLimit null when the response is not throttled
 * @param upstreamCluster   "" for any; else only requests routed to this cluster are faulted
 * @param headers           all must match the request for a fault to apply
 * @param downstreamNodes   empty for any; else x-envoy-downstream-service-node must be one of them
 * @param maxActiveFaults   null for no limit
 * @param filterMetadata    set as dynamic metadata under the filter's name when a fault is injected
 */
public record FaultConfig(Abort abort, Delay delay, ResponseRateLimit responseRateLimit, String upstreamCluster,
                          List<HeaderMatcher> headers, Set<String> downstreamNodes, Long maxActiveFaults,
                          RuntimeKeys runtimeKeys, boolean disableDownstreamClusterStats,
                          Map<String, Object> filterMetadata) implements HttpFilterConfig, RouteFilterConfig {

    public static final String NAME = "envoy.filters.http.fault";

    public FaultConfig {
        headers = List.copyOf(headers);
        downstreamNodes = Set.copyOf(downstreamNodes);
        filterMetadata = Map.copyOf(filterMetadata);
    }

    @Override
    public String filterName() {
        return NAME;
    }

    /**
     * {@code FaultAbort}: exactly one of a fixed HTTP status, a fixed gRPC status, or
     * {@code header_abort} (statuses from x-envoy-fault-abort-request / -grpc-request).
     *
     * @param httpStatus -1 unless fixed
     * @param grpcStatus -1 unless fixed
     */
    public record Abort(int httpStatus, int grpcStatus, boolean fromHeaders, FractionalPercent percentage) {
    }

    /**
     * {@code FaultDelay}: a fixed delay or {@code header_delay} (x-envoy-fault-delay-request, ms).
     *
     * @param fixedMillis -1 when from headers
     */
    public record Delay(long fixedMillis, boolean fromHeaders, FractionalPercent percentage) {
    }

    /**
     * {@code FaultRateLimit}: a fixed response rate or {@code header_limit}
     * (x-envoy-fault-throughput-response, KiB/s).
     *
     * @param fixedKbps -1 when from headers
     */
    public record ResponseRateLimit(long fixedKbps, boolean fromHeaders, FractionalPercent percentage) {
    }

    /** The runtime keys that override the configured values (HTTPFault's {@code *_runtime} fields). */
    public record RuntimeKeys(String delayPercent, String abortPercent, String delayDuration, String abortHttpStatus,
                              String abortGrpcStatus, String maxActiveFaults, String responseRateLimitPercent) {

        public static final RuntimeKeys DEFAULT = new RuntimeKeys("fault.http.delay.fixed_delay_percent",
                "fault.http.abort.abort_percent", "fault.http.delay.fixed_duration_ms", "fault.http.abort.http_status",
                "fault.http.abort.grpc_status", "fault.http.max_active_faults",
                "fault.http.rate_limit.response_percent");
    }
}

package io.remora.config;

import java.time.Duration;
import java.util.List;

/**
 * {@code envoy.filters.http.router}.
 *
 * @param suppressEnvoyHeaders drops x-envoy-upstream-service-time, x-envoy-expected-rq-timeout-ms etc.
 * @param upstreamHttpFilters {@code upstream_http_filters} before the closing {@code upstream_codec}:
 *                            run on each try to a cluster that lists no {@code http_filters} of its own
 * @param dynamicStats        {@code dynamic_stats} (default true): the response-code counters and
 *                            {@code upstream_rq_time} of the cluster and virtual cluster
 * @param respectExpectedRqTimeout {@code respect_expected_rq_timeout}: an incoming
 *                            x-envoy-expected-rq-timeout-ms (set by the egress proxy) is the route timeout
 * @param suppressGrpcRequestFailureCodeStats {@code suppress_grpc_request_failure_code_stats}: gRPC
 *                            requests count {@code upstream_rq_completed} but not the code counters
 * @param strictCheckHeaders  {@code strict_check_headers}: x-envoy-* request headers whose value must
 *                            parse, else 400 with flag IH
 * @param upstreamLogs        {@code upstream_log}: logged for each try when it ends
 * @param flushUpstreamLogOnUpstreamStream {@code upstream_log_options.flush_upstream_log_on_upstream_stream}:
 *                            also logged when the try's upstream stream is ready
 * @param upstreamLogFlushInterval {@code upstream_log_options.upstream_log_flush_interval}: also logged
 *                            periodically while the try runs; null: never
 * @param startChildSpan      {@code start_child_span}: a span per try upstream, child of the request's
 *                            span, when the connection manager traces
 */
public record RouterFilterConfig(boolean suppressEnvoyHeaders, List<HttpFilterEntry> upstreamHttpFilters,
                                 boolean dynamicStats, boolean respectExpectedRqTimeout,
                                 boolean suppressGrpcRequestFailureCodeStats, List<String> strictCheckHeaders,
                                 List<AccessLogConfig> upstreamLogs, boolean flushUpstreamLogOnUpstreamStream,
                                 Duration upstreamLogFlushInterval, boolean startChildSpan)
        implements HttpFilterConfig {
    public static final String NAME = "envoy.filters.http.router";

    public RouterFilterConfig {
        upstreamHttpFilters = upstreamHttpFilters == null ? List.of() : List.copyOf(upstreamHttpFilters);
        strictCheckHeaders = strictCheckHeaders == null ? List.of() : List.copyOf(strictCheckHeaders);
        upstreamLogs = upstreamLogs == null ? List.of() : List.copyOf(upstreamLogs);
    }

    public RouterFilterConfig(boolean suppressEnvoyHeaders) {
        this(builder().suppressEnvoyHeaders(suppressEnvoyHeaders));
    }

    private RouterFilterConfig(Builder b) {
        this(b.suppressEnvoyHeaders, b.upstreamHttpFilters, b.dynamicStats, b.respectExpectedRqTimeout,
                b.suppressGrpcRequestFailureCodeStats, b.strictCheckHeaders, b.upstreamLogs,
                b.flushUpstreamLogOnUpstreamStream, b.upstreamLogFlushInterval, b.startChildSpan);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String filterName() {
        return NAME;
    }

    /** Envoy's defaults: dynamic stats on, everything else off. */
    public static final class Builder {
        private boolean suppressEnvoyHeaders;
        private List<HttpFilterEntry> upstreamHttpFilters = List.of();
        private boolean dynamicStats = true;
        private boolean respectExpectedRqTimeout;
        private boolean suppressGrpcRequestFailureCodeStats;
        private List<String> strictCheckHeaders = List.of();
        private List<AccessLogConfig> upstreamLogs = List.of();
        private boolean flushUpstreamLogOnUpstreamStream;
        private Duration upstreamLogFlushInterval;
        private boolean startChildSpan;

        private Builder() {
        }

        public Builder suppressEnvoyHeaders(boolean v) {
            suppressEnvoyHeaders = v;
            return this;
        }

        public Builder upstreamHttpFilters(List<HttpFilterEntry> v) {
            upstreamHttpFilters = v;
            return this;
        }

        public Builder dynamicStats(boolean v) {
            dynamicStats = v;
            return this;
        }

        public Builder respectExpectedRqTimeout(boolean v) {
            respectExpectedRqTimeout = v;
            return this;
        }

        public Builder suppressGrpcRequestFailureCodeStats(boolean v) {
            suppressGrpcRequestFailureCodeStats = v;
            return this;
        }

        public Builder strictCheckHeaders(List<String> v) {
            strictCheckHeaders = v;
            return this;
        }

        public Builder upstreamLogs(List<AccessLogConfig> v) {
            upstreamLogs = v;
            return this;
        }

        public Builder flushUpstreamLogOnUpstreamStream(boolean v) {
            flushUpstreamLogOnUpstreamStream = v;
            return this;
        }

        public Builder upstreamLogFlushInterval(Duration v) {
            upstreamLogFlushInterval = v;
            return this;
        }

        public Builder startChildSpan(boolean v) {
            startChildSpan = v;
            return this;
        }

        public RouterFilterConfig build() {
            return new RouterFilterConfig(this);
        }
    }
}

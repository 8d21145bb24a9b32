package io.remora.config;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * {@code config.core.v3.HealthCheck}: one active health checker of a cluster.
 *
 * @param unhealthyInterval     defaults to interval
 * @param unhealthyEdgeInterval defaults to unhealthyInterval
 * @param healthyEdgeInterval   defaults to interval
 * @param noTrafficInterval     Envoy's default 60 s, used until the cluster has made a connection
 * @param noTrafficHealthyInterval defaults to noTrafficInterval
 * @param intervalJitterPercent extra random delay, percent of the interval
 * @param eventLogPaths         files of health check events (JSON lines): {@code event_log_path} and each
 *                              file {@code event_logger}, every event to each; empty for none
 * @param alpnProtocols         {@code tls_options.alpn_protocols}: offered instead of the transport
 *                              socket's on TLS check connections; null without tls_options
 * @param transportSocketMatchCriteria picks the cluster's {@code transport_socket_matches} entry for
 *                              check connections instead of the host's metadata; null: the host's
 */
public record HealthCheckConfig(
        Duration timeout,
        Duration interval,
        Duration initialJitter,
        Duration intervalJitter,
        int intervalJitterPercent,
        int unhealthyThreshold,
        int healthyThreshold,
        Duration unhealthyInterval,
        Duration unhealthyEdgeInterval,
        Duration healthyEdgeInterval,
        Duration noTrafficInterval,
        Duration noTrafficHealthyInterval,
        boolean alwaysLogHealthCheckFailures,
        boolean alwaysLogHealthCheckSuccess,
        List<String> eventLogPaths,
        boolean reuseConnection,
        Checker checker,
        List<String> alpnProtocols,
        java.util.Map<String, Object> transportSocketMatchCriteria) {

    /** Envoy's default no_traffic_interval. */
    public static final Duration DEFAULT_NO_TRAFFIC_INTERVAL = Duration.ofSeconds(60);

    public static Builder builder(Duration timeout, Duration interval, Checker checker) {
        return new Builder(timeout, interval, checker);
    }

    /**
     * Defaults as Envoy's: no jitter, thresholds of 1, the unhealthy and edge intervals from
     * {@code interval}, no_traffic_interval 60 s, connections reused, nothing logged.
     */
    public static final class Builder {
        private final Duration timeout;
        private final Duration interval;
        private final Checker checker;
        private Duration initialJitter = Duration.ZERO;
        private Duration intervalJitter = Duration.ZERO;
        private int intervalJitterPercent;
        private int unhealthyThreshold = 1;
        private int healthyThreshold = 1;
        private Duration unhealthyInterval;
        private Duration unhealthyEdgeInterval;
        private Duration healthyEdgeInterval;
        private Duration noTrafficInterval = DEFAULT_NO_TRAFFIC_INTERVAL;
        private Duration noTrafficHealthyInterval;
        private boolean alwaysLogHealthCheckFailures;
        private boolean alwaysLogHealthCheckSuccess;
        private final List<String> eventLogPaths = new java.util.ArrayList<>();
        private boolean reuseConnection = true;
        private List<String> alpnProtocols;
        private java.util.Map<String, Object> transportSocketMatchCriteria;

        private Builder(Duration timeout, Duration interval, Checker checker) {
            this.timeout = timeout;
            this.interval = interval;
            this.checker = checker;
        }

        public Builder initialJitter(Duration v) {
            initialJitter = v;
            return this;
        }

        public Builder intervalJitter(Duration v) {
            intervalJitter = v;
            return this;
        }

        public Builder intervalJitterPercent(int v) {
            intervalJitterPercent = v;
            return this;
        }

        public Builder thresholds(int unhealthy, int healthy) {
            unhealthyThreshold = unhealthy;
            healthyThreshold = healthy;
            return this;
        }

        public Builder unhealthyInterval(Duration v) {
            unhealthyInterval = v;
            return this;
        }

        public Builder unhealthyEdgeInterval(Duration v) {
            unhealthyEdgeInterval = v;
            return this;
        }

        public Builder healthyEdgeInterval(Duration v) {
            healthyEdgeInterval = v;
            return this;
        }

        public Builder noTrafficInterval(Duration v) {
            noTrafficInterval = v;
            return this;
        }

        public Builder noTrafficHealthyInterval(Duration v) {
            noTrafficHealthyInterval = v;
            return this;
        }

        public Builder alwaysLog(boolean failures, boolean success) {
            alwaysLogHealthCheckFailures = failures;
            alwaysLogHealthCheckSuccess = success;
            return this;
        }

        /** Adds a file the events go to (a path already given, null or empty adds nothing). */
        public Builder eventLogPath(String v) {
            if (v != null && !v.isEmpty() && !eventLogPaths.contains(v)) {
                eventLogPaths.add(v);
            }
            return this;
        }

        public Builder reuseConnection(boolean v) {
            reuseConnection = v;
            return this;
        }

        public Builder alpnProtocols(List<String> v) {
            alpnProtocols = v == null ? null : List.copyOf(v);
            return this;
        }

        public Builder transportSocketMatchCriteria(java.util.Map<String, Object> v) {
            transportSocketMatchCriteria = v == null ? null : java.util.Map.copyOf(v);
            return this;
        }

        public HealthCheckConfig build() {
            Duration unhealthy = unhealthyInterval != null ? unhealthyInterval : interval;
            Duration noTraffic = noTrafficInterval;
            return new HealthCheckConfig(timeout, interval, initialJitter, intervalJitter, intervalJitterPercent,
                    unhealthyThreshold, healthyThreshold, unhealthy,
                    unhealthyEdgeInterval != null ? unhealthyEdgeInterval : unhealthy,
                    healthyEdgeInterval != null ? healthyEdgeInterval : interval, noTraffic,
                    noTrafficHealthyInterval != null ? noTrafficHealthyInterval : noTraffic,
                    alwaysLogHealthCheckFailures, alwaysLogHealthCheckSuccess, List.copyOf(eventLogPaths), reuseConnection, checker,
                    alpnProtocols, transportSocketMatchCriteria);
        }
    }

    /** What one check does. */
    public sealed interface Checker permits Http, Tcp, Grpc, Custom {
    }

    /** A status range [start, end). */
    public record StatusRange(int start, int end) {
    }

    /**
     * {@code http_health_check}. expectedStatuses default to [200, 201).
     *
     * @param method             the request method (GET unless set)
     * @param sendHex            the request body (hex), empty for none
     * @param receiveHex         blocks (hex) the response body must hold, in order, within
     *                           {@code responseBufferSize} bytes (0: the whole body)
     * @param serviceNameMatcher what {@code x-envoy-upstream-healthchecked-cluster} must match, or null
     */
    public record Http(String host, String path, String method, String sendHex, List<String> receiveHex,
                       long responseBufferSize, List<StatusRange> expectedStatuses, List<StatusRange> retriableStatuses,
                       List<HeaderMutation.HeaderValueOption> requestHeadersToAdd,
                       Set<String> requestHeadersToRemove, boolean http2, StringMatcher serviceNameMatcher)
            implements Checker {

        /** Envoy's default response_buffer_size. */
        public static final long DEFAULT_RESPONSE_BUFFER_SIZE = 1024;

        public Http {
            receiveHex = List.copyOf(receiveHex);
            expectedStatuses = List.copyOf(expectedStatuses);
            retriableStatuses = List.copyOf(retriableStatuses);
            requestHeadersToAdd = List.copyOf(requestHeadersToAdd);
            requestHeadersToRemove = Set.copyOf(requestHeadersToRemove);
        }

        public static Builder builder(String path) {
            return new Builder(path);
        }

        /** True when the status is one the checker accepts. */
        public boolean expected(int status) {
            return inRanges(expectedStatuses, status);
        }

        public boolean retriable(int status) {
            return inRanges(retriableStatuses, status);
        }

        private static boolean inRanges(List<StatusRange> ranges, int status) {
            for (StatusRange r : ranges) {
                if (status >= r.start() && status < r.end()) {
                    return true;
                }
            }
            return false;
        }

        /** Defaults: GET, no body, nothing to find in the answer, 200 expected, HTTP/1.1. */
        public static final class Builder {
            private String host = "";
            private final String path;
            private String method = "GET";
            private String sendHex = "";
            private List<String> receiveHex = List.of();
            private long responseBufferSize = DEFAULT_RESPONSE_BUFFER_SIZE;
            private List<StatusRange> expectedStatuses = List.of(new StatusRange(200, 201));
            private List<StatusRange> retriableStatuses = List.of();
            private List<HeaderMutation.HeaderValueOption> requestHeadersToAdd = List.of();
            private Set<String> requestHeadersToRemove = Set.of();
            private boolean http2;
            private StringMatcher serviceNameMatcher;

            private Builder(String path) {
                this.path = path;
            }

            public Builder host(String v) {
                host = v;
                return this;
            }

            public Builder method(String v) {
                method = v;
                return this;
            }

            public Builder sendHex(String v) {
                sendHex = v;
                return this;
            }

            public Builder receiveHex(List<String> v) {
                receiveHex = v;
                return this;
            }

            public Builder responseBufferSize(long v) {
                responseBufferSize = v;
                return this;
            }

            public Builder expectedStatuses(List<StatusRange> v) {
                expectedStatuses = v;
                return this;
            }

            public Builder retriableStatuses(List<StatusRange> v) {
                retriableStatuses = v;
                return this;
            }

            public Builder requestHeadersToAdd(List<HeaderMutation.HeaderValueOption> v) {
                requestHeadersToAdd = v;
                return this;
            }

            public Builder requestHeadersToRemove(Set<String> v) {
                requestHeadersToRemove = v;
                return this;
            }

            public Builder http2(boolean v) {
                http2 = v;
                return this;
            }

            public Builder serviceNameMatcher(StringMatcher v) {
                serviceNameMatcher = v;
                return this;
            }

            public Http build() {
                return new Http(host, path, method, sendHex, receiveHex, responseBufferSize, expectedStatuses,
                        retriableStatuses, requestHeadersToAdd, requestHeadersToRemove, http2, serviceNameMatcher);
            }
        }
    }

    /**
     * {@code tcp_health_check}: send these bytes (hex; empty = connect only), then expect every
     * receive block (hex) somewhere in the answer, in order.
     *
     * @param proxyProtocolVersion {@code proxy_protocol_config}: 0 for none, else 1 or 2; the header
     *                             goes ahead of the payload (version 1 names the check connection's
     *                             own addresses, version 2 is the LOCAL command, as in Envoy)
     */
    public record Tcp(String sendHex, List<String> receiveHex, int proxyProtocolVersion) implements Checker {
        public Tcp {
            receiveHex = List.copyOf(receiveHex);
            if (proxyProtocolVersion < 0 || proxyProtocolVersion > 2) {
                throw new IllegalArgumentException("PROXY protocol version " + proxyProtocolVersion);
            }
        }

        public Tcp(String sendHex, List<String> receiveHex) {
            this(sendHex, receiveHex, 0);
        }
    }

    /** {@code custom_health_check} of an extension that provides the check (redis, thrift). */
    public record Custom(String name, io.remora.upstream.health.CustomHealthCheck check) implements Checker {
    }

    /**
     * {@code grpc_health_check}: grpc.health.v1.Health/Check for serviceName over HTTP/2.
     *
     * @param initialMetadata {@code initial_metadata}: added to the check's request headers
     */
    public record Grpc(String serviceName, String authority, List<HeaderMutation.HeaderValueOption> initialMetadata)
            implements Checker {
        public Grpc {
            initialMetadata = List.copyOf(initialMetadata);
        }

        public Grpc(String serviceName, String authority) {
            this(serviceName, authority, List.of());
        }
    }
}

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
 * @param eventLogPath          file of health check events (JSON lines), or null
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
        String eventLogPath,
        boolean reuseConnection,
        Checker checker) {

    /** What one check does. */
    public sealed interface Checker permits Http, Tcp, Grpc {
    }

    /** A status range [start, end). */
    public record StatusRange(int start, int end) {
    }

    /** {@code http_health_check}. expectedStatuses default to [200, 201). */
    public record Http(String host, String path, List<StatusRange> expectedStatuses, List<StatusRange> retriableStatuses,
                       List<HeaderMutation.HeaderValueOption> requestHeadersToAdd,
                       Set<String> requestHeadersToRemove, boolean http2) implements Checker {
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
    }

    /**
     * {@code tcp_health_check}: send these bytes (hex; empty = connect only), then expect every
     * receive block (hex) somewhere in the answer, in order.
     */
    public record Tcp(String sendHex, List<String> receiveHex) implements Checker {
    }

    /** {@code grpc_health_check}: grpc.health.v1.Health/Check for serviceName over HTTP/2. */
    public record Grpc(String serviceName, String authority) implements Checker {
    }
}

package io.remora.extensions.filters.http.grpc_stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.ClusterStats;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The counters of one grpc_stats config, bound once per (cluster, service, method) and shared by
 * every worker. Names follow Envoy's {@code cluster.<name>.grpc.[<service>.<method>.]<stat>} with
 * Envoy's default tag extraction: the first name segment after {@code grpc.} becomes
 * {@code envoy_grpc_bridge_service}, the next {@code envoy_grpc_bridge_method} (so a dotted service
 * name splits, as it does in Envoy, unless replace_dots_in_grpc_service_name is set).
 */
final class GrpcStatsRegistry {

    static final String SERVICE_TAG = "envoy_grpc_bridge_service";
    static final String METHOD_TAG = "envoy_grpc_bridge_method";

    private final MeterRegistry registry;
    private final boolean replaceDots;
    private final ConcurrentHashMap<String, CallStats> byKey = new ConcurrentHashMap<>();

    GrpcStatsRegistry(MeterRegistry registry, boolean replaceDots) {
        this.registry = registry;
        this.replaceDots = replaceDots;
    }

    /** The counters of one call kind; {@code service}/{@code method} null: the generic ones. */
    CallStats stats(String cluster, String service, String method) {
        String key = service == null ? cluster : cluster + '\u0000' + service + '\u0000' + method;
        return byKey.computeIfAbsent(key, k -> new CallStats(cluster, service, method));
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    final class CallStats {
        final Counter success;
        final Counter failure;
        final Counter total;
        final Counter requestMessages;
        final Counter responseMessages;
        final DistributionSummary upstreamRqTime;

        CallStats(String cluster, String service, String method) {
            String prefix = "";
            String serviceTag = null;
            String methodTag = null;
            if (service != null) {
                String dotted = (replaceDots ? service.replace('.', '_') : service) + "." + method;
                // Envoy's extractors take one segment each; the rest stays in the stat name.
                String[] seg = dotted.split("\\.");
                serviceTag = seg[0];
                methodTag = seg.length > 1 ? seg[1] : null;
                StringBuilder rest = new StringBuilder();
                for (int i = 2; i < seg.length; i++) {
                    rest.append(seg[i]).append('_');
                }
                prefix = rest.toString();
            }
            success = counter(prefix + "success", cluster, serviceTag, methodTag);
            failure = counter(prefix + "failure", cluster, serviceTag, methodTag);
            total = counter(prefix + "total", cluster, serviceTag, methodTag);
            requestMessages = counter(prefix + "request_message_count", cluster, serviceTag, methodTag);
            responseMessages = counter(prefix + "response_message_count", cluster, serviceTag, methodTag);
            upstreamRqTime = DistributionSummary.builder("envoy_cluster_grpc_" + prefix + "upstream_rq_time")
                    .tag(ClusterStats.TAG, cluster).tag(SERVICE_TAG, nz(serviceTag)).tag(METHOD_TAG, nz(methodTag))
                    .serviceLevelObjectives(io.remora.stats.EnvoyBuckets.MILLIS).register(registry);
        }

        private Counter counter(String stat, String cluster, String serviceTag, String methodTag) {
            // One set of label names per family (Prometheus); an empty label is an absent one.
            return Counter.builder("envoy_cluster_grpc_" + stat).tag(ClusterStats.TAG, cluster)
                    .tag(SERVICE_TAG, nz(serviceTag)).tag(METHOD_TAG, nz(methodTag)).register(registry);
        }
    }
}

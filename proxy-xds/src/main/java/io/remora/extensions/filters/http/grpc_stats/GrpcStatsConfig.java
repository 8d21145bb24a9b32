package io.remora.extensions.filters.http.grpc_stats;

import io.remora.config.HttpFilterConfig;

import java.util.Map;
import java.util.Set;

/**
 * {@code envoy.filters.http.grpc_stats}.
 *
 * @param allMethods       {@code stats_for_all_methods}: every service/method gets its own stats
 * @param allowlist        {@code individual_method_stats_allowlist}: service to methods with their
 *                         own stats (null when not set); other calls count without a method
 * @param upstreamStats    {@code enable_upstream_stats}: {@code upstream_rq_time}
 * @param replaceDots      {@code replace_dots_in_grpc_service_name}
 */
record GrpcStatsConfig(boolean emitFilterState, boolean allMethods, Map<String, Set<String>> allowlist,
                       boolean upstreamStats, boolean replaceDots) implements HttpFilterConfig {

    static final String NAME = "envoy.filters.http.grpc_stats";

    GrpcStatsConfig {
        allowlist = allowlist == null ? null : Map.copyOf(allowlist);
    }

    @Override
    public String filterName() {
        return NAME;
    }

    /** Whether the call gets stats of its own (else it counts under {@code grpc.*} alone). */
    boolean individual(String service, String method) {
        if (allMethods) {
            return true;
        }
        if (allowlist == null) {
            return false;
        }
        Set<String> methods = allowlist.get(service);
        return methods != null && methods.contains(method);
    }
}

package io.remora.extensions.filters.http.grpc_stats;

import io.envoyproxy.envoy.config.core.v3.GrpcMethodList;
import io.envoyproxy.envoy.extensions.filters.http.grpc_stats.v3.FilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code envoy.filters.http.grpc_stats}: Envoy's gRPC call and message statistics. */
public final class GrpcStatsExtension implements HttpFilterExtension<GrpcStatsConfig> {

    @Override
    public List<String> names() {
        return List.of(GrpcStatsConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.http.grpc_stats.v3.FilterConfig");
    }

    @Override
    public GrpcStatsConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        FilterConfig c = config == null ? FilterConfig.getDefaultInstance() : config.unpack(FilterConfig.class, path);
        Map<String, Set<String>> allowlist = null;
        boolean all = false;
        switch (c.getPerMethodStatSpecifierCase()) {
            case INDIVIDUAL_METHOD_STATS_ALLOWLIST -> allowlist = allowlist(c.getIndividualMethodStatsAllowlist(),
                    path.field("individual_method_stats_allowlist"));
            case STATS_FOR_ALL_METHODS -> all = c.getStatsForAllMethods().getValue();
            default -> {
                // Envoy's default: no per-method stats (an untrusted client could mint unbounded names).
            }
        }
        return new GrpcStatsConfig(c.getEmitFilterState(), all, allowlist, c.getEnableUpstreamStats(),
                c.getReplaceDotsInGrpcServiceName());
    }

    private static Map<String, Set<String>> allowlist(GrpcMethodList list, FieldPath path) {
        Map<String, Set<String>> out = new HashMap<>();
        for (int i = 0; i < list.getServicesCount(); i++) {
            GrpcMethodList.Service s = list.getServices(i);
            if (s.getName().isEmpty()) {
                throw path.field("services").index(i).field("name").error("must not be empty");
            }
            if (s.getMethodNamesCount() == 0) {
                throw path.field("services").index(i).field("method_names").error("needs at least one method");
            }
            out.computeIfAbsent(s.getName(), k -> new HashSet<>()).addAll(s.getMethodNamesList());
        }
        return out;
    }

    @Override
    public HttpFilterFactory.Provider<GrpcStatsConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<GrpcStatsConfig> configType() {
                return GrpcStatsConfig.class;
            }

            @Override
            public HttpFilterFactory create(GrpcStatsConfig config, ServerContext context) {
                GrpcStatsRegistry stats = new GrpcStatsRegistry(context.stats().meterRegistry(), config.replaceDots());
                return () -> new GrpcStatsFilter(config, stats);
            }
        };
    }
}

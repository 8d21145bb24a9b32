package io.remora.xds.translate;

import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.remora.config.ClusterSpecifier;
import io.remora.config.HeaderMutation;

import java.util.ArrayList;
import java.util.List;

/** {@code RouteAction.weighted_clusters}: the members, their weights and per-member options. */
final class WeightedClustersTranslator {

    private WeightedClustersTranslator() {
    }

    static ClusterSpecifier.Weighted translate(WeightedCluster w, FieldPath path, TranslationContext ctx) {
        if (w.getClustersCount() == 0) {
            throw path.field("clusters").error("must have at least one cluster");
        }
        List<ClusterSpecifier.WeightedCluster> out = new ArrayList<>();
        long total = 0;
        int headerMembers = 0;
        boolean headerMemberOptions = false;
        for (int i = 0; i < w.getClustersCount(); i++) {
            var c = w.getClusters(i);
            FieldPath cp = path.field("clusters").index(i);
            String header = null;
            if (c.getName().isEmpty() == c.getClusterHeader().isEmpty()) {
                throw cp.field("name").error(c.getName().isEmpty()
                        ? "At least one of name or cluster_header need to be specified"
                        : "Only one of name or cluster_header can be specified");
            } else if (c.getName().isEmpty()) {
                header = c.getClusterHeader().toLowerCase(java.util.Locale.ROOT);
                headerMembers++;
                headerMemberOptions |= c.getRequestHeadersToAddCount() + c.getRequestHeadersToRemoveCount()
                        + c.getResponseHeadersToAddCount() + c.getResponseHeadersToRemoveCount()
                        + c.getTypedPerFilterConfigCount() > 0 || !c.getHostRewriteLiteral().isEmpty()
                        || c.hasMetadataMatch();
            } else {
                ctx.requireCluster(cp.field("name"), c.getName());
            }
            int weight = c.hasWeight() ? Protos.clampInt(c.getWeight().getValue()) : 0;
            total += weight;
            HeaderMutation req = HeaderTranslator.formattedMutation(c.getRequestHeadersToAddList(),
                    c.getRequestHeadersToRemoveList(), cp.field("request_headers_to_add"),
                    cp.field("request_headers_to_remove"), ctx);
            HeaderMutation resp = HeaderTranslator.formattedMutation(c.getResponseHeadersToAddList(),
                    c.getResponseHeadersToRemoveList(), cp.field("response_headers_to_add"),
                    cp.field("response_headers_to_remove"), ctx);
            // As the route's: the subset load balancer reads the envoy.lb criteria only.
            var lb = c.getMetadataMatch().getFilterMetadataMap().get("envoy.lb");
            out.add(new ClusterSpecifier.WeightedCluster(header == null ? c.getName() : null, weight, req, resp,
                    c.getHostRewriteLiteral().isEmpty() ? null : c.getHostRewriteLiteral(),
                    PerFilterConfigTranslator.translate(c.getTypedPerFilterConfigMap(),
                            cp.field("typed_per_filter_config"), ctx), lb == null ? null : Protos.structMap(lb),
                    header));
        }
        if (headerMembers > 1 && headerMemberOptions) {
            // The per-request member is found again by its cluster's name; members named by a
            // header cannot be told apart that way.
            ctx.warnOnce("weighted_clusters.cluster_header", "weighted clusters with several cluster_header members:"
                    + " the first such member's headers, metadata_match and per-filter config apply to all of them,"
                    + " first at " + path);
        }
        if (total == 0) {
            throw path.error("the total weight of the clusters is 0");
        }
        if (total > Integer.MAX_VALUE) {
            throw path.error("the total weight of the clusters exceeds " + Integer.MAX_VALUE);
        }
        return new ClusterSpecifier.Weighted(List.copyOf(out), (int) total,
                w.getRuntimeKeyPrefix().isEmpty() ? null : w.getRuntimeKeyPrefix(),
                w.getHeaderName().isEmpty() ? null : w.getHeaderName().toLowerCase(java.util.Locale.ROOT));
    }
}

package io.remora.stats;

import io.micrometer.core.instrument.Tag;

import java.util.ArrayList;
import java.util.List;

/**
 * One of Envoy's per-endpoint stats ({@code track_cluster_stats.per_endpoint_stats}), read from a
 * host when the admin renders: not a meter, as Envoy's are not in its stats store, so hosts that
 * come and go leave nothing registered behind. Named as Envoy's HostUtility::forEachHostMetric names
 * them: {@code cluster.<cluster>.endpoint.<address>.<stat>}, exported as
 * {@code envoy_cluster_endpoint_<stat>{envoy_cluster_name, envoy_endpoint_address[, envoy_endpoint_hostname]}}.
 *
 * @param cluster  the cluster's observability name (alt_stat_name, else its name)
 * @param address  the host's address as Envoy prints it ({@code 10.0.0.1:80}, {@code [::1]:80})
 * @param hostname the endpoint's hostname, empty when none
 */
public record EndpointStat(String cluster, String address, String hostname, String stat, boolean gauge, long value) {
    public static final String CLUSTER_TAG = ClusterStats.TAG;
    public static final String ADDRESS_TAG = "envoy_endpoint_address";
    public static final String HOSTNAME_TAG = "envoy_endpoint_hostname";

    /** The dotted name {@code /stats} prints and {@code ?filter=} matches. */
    public String dottedName() {
        return "cluster." + sanitizeStatsName(cluster) + ".endpoint." + sanitizeStatsName(address) + "." + stat;
    }

    /** The Prometheus family: Envoy's tag-extracted name {@code cluster.endpoint.<stat>}. */
    public String family() {
        return "envoy_cluster_endpoint_" + stat;
    }

    /** The labels, in Envoy's order: {@code stats_tags} fixed values, cluster, address, hostname. */
    List<Tag> labels(List<Tag> fixedTags) {
        List<Tag> out = new ArrayList<>(fixedTags.size() + 3);
        out.addAll(fixedTags);
        out.add(Tag.of(CLUSTER_TAG, sanitizeStatsName(cluster)));
        out.add(Tag.of(ADDRESS_TAG, address));
        if (!hostname.isEmpty()) {
            out.add(Tag.of(HOSTNAME_TAG, hostname));
        }
        return out;
    }

    /** Envoy's Stats::Utility::sanitizeStatsName: no leading or trailing dot; ':' (with '//' or '/' after it) becomes '_'. */
    static String sanitizeStatsName(String name) {
        String n = name;
        if (n.endsWith(".")) {
            n = n.substring(0, n.length() - 1);
        }
        if (n.startsWith(".")) {
            n = n.substring(1);
        }
        return n.replace("://", "_").replace(":/", "_").replace(':', '_').replace('\0', '_');
    }
}

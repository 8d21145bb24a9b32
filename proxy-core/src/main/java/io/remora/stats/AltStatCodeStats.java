package io.remora.stats;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * The code stats Envoy's router charges a second time under a request's
 * {@code x-envoy-upstream-alt-stat-name} (CodeStatsImpl with the name as prefix and no virtual host,
 * virtual cluster or route): {@code cluster.<name>.<alt>.upstream_rq_completed},
 * {@code upstream_rq_<N>xx}, {@code upstream_rq_<code>} and {@code upstream_rq_time}, with the
 * same {@code internal}/{@code external}, {@code canary} and {@code zone.<from>.<to>} categories
 * beneath.
 *
 * <p>The name is whatever the request says (dots included), so it cannot be a meter name: the
 * meters are {@code envoy_cluster_alt_stat_*} with the name as a tag that {@link #dottedName} puts
 * back, and they are exported as Envoy exports them, through its default tag extraction of the
 * dotted name ({@code envoy_cluster_<alt>_upstream_rq_xx{envoy_cluster_name, envoy_response_code_class}}).
 */
public final class AltStatCodeStats {
    static final String TAG = "remora_alt_stat";
    private static final String CATEGORY = "alt_stat";
    /** The registered names' stat part after {@code envoy_}. */
    private static final String STAT_PREFIX = "cluster_" + CATEGORY + "_";
    private static final String ZONE = "zone_";
    private static final String[] CATEGORIES = {CodeCategoryStats.INTERNAL, CodeCategoryStats.EXTERNAL,
        CodeCategoryStats.CANARY};

    private final CodeCategoryStats plain;
    private final CodeCategorySet categories;
    /** {@code <alt>.zone.<local zone>.<upstream zone>.*}: charged only when the node names its zone. */
    public final ZoneCodeStats zones;

    AltStatCodeStats(MeterRegistry registry, String cluster, String altStatName) {
        Tags tag = Tags.of(TAG, altStatName);
        plain = new CodeCategoryStats(registry, cluster, CATEGORY, tag);
        categories = new CodeCategorySet(registry, cluster, CATEGORY + "_", tag);
        zones = new ZoneCodeStats(registry, cluster, CATEGORY + "_zone", tag);
    }

    /**
     * As {@link ClusterStats#response(int, boolean, boolean, boolean)}, under the alt name:
     * without {@code withCode} (suppress_grpc_request_failure_code_stats) its plain stats count
     * the completion alone, as Envoy's.
     */
    public void response(int status, boolean withCode, boolean internal, boolean canary) {
        if (withCode) {
            plain.response(status);
        } else {
            plain.completedOnly();
        }
        categories.response(status, internal, canary);
    }

    /** As {@link ClusterStats#responseTime}, under the alt name. */
    public void responseTime(long millis, boolean internal, boolean canary) {
        plain.time(millis);
        categories.time(millis, internal, canary);
    }

    static boolean isAltStat(Meter.Id id) {
        return id.getTag(TAG) != null;
    }

    /**
     * The dotted name of an alt stat meter ({@code rest} is its name without {@code envoy_}, any
     * code already put back): {@code cluster.a.my.alt.internal.upstream_rq_2xx}; null for any
     * other meter.
     */
    static String dottedName(Meter.Id id, String rest) {
        String alt = id.getTag(TAG);
        String cluster = id.getTag(ClusterStats.TAG);
        if (alt == null || cluster == null || !rest.startsWith(STAT_PREFIX)) {
            return null;
        }
        String stat = rest.substring(STAT_PREFIX.length());
        String category = "";
        for (String c : CATEGORIES) {
            if (stat.startsWith(c) && stat.startsWith("_", c.length())) {
                category = c + ".";
                stat = stat.substring(c.length() + 1);
            }
        }
        String from = id.getTag(ZoneCodeStats.FROM_TAG);
        String to = id.getTag(ZoneCodeStats.TO_TAG);
        if (from != null && to != null && stat.startsWith(ZONE)) {
            category = "zone." + from + "." + to + ".";
            stat = stat.substring(ZONE.length());
        }
        return "cluster." + cluster + "." + alt + "." + category + stat;
    }
}

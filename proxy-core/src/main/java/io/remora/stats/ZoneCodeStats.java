package io.remora.stats;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Envoy's per-zone code stats of one cluster, {@code cluster.<name>.zone.<local zone>.<upstream zone>.*}
 * ({@code upstream_rq_completed}, {@code upstream_rq_<N>xx}, {@code upstream_rq_<code>},
 * {@code upstream_rq_time}), charged by CodeStatsImpl when both zones are known.
 *
 * <p>Envoy extracts no tag from the zones: they stay in the exported name
 * ({@code envoy_cluster_zone_us_east_1a_us_west_1b_upstream_rq_xx{envoy_cluster_name,envoy_response_code_class}}).
 * Sanitizing would lose the dotted name's zones, so the meters carry them as two tags that
 * {@link #dottedName} puts back in the dotted name and {@link #exported} folds into the exported
 * name; no label shows them.
 */
public final class ZoneCodeStats {
    static final String FROM_TAG = "remora_zone_from";
    static final String TO_TAG = "remora_zone_to";
    private static final String CATEGORY = "zone";
    /** The registered names' stat part after {@code envoy_cluster_}. */
    private static final String STAT_PREFIX = "cluster_zone_";

    private final MeterRegistry registry;
    private final String cluster;
    private final String category;
    private final Tags extra;
    /** By upstream zone: the local zone is the node's, one for the process. */
    private final ConcurrentHashMap<String, Pair> byUpstreamZone = new ConcurrentHashMap<>(4);

    ZoneCodeStats(MeterRegistry registry, String cluster) {
        this(registry, cluster, CATEGORY, Tags.empty());
    }

    /** @param category the meter names' part before {@code _upstream_rq}; {@code extra} tags besides the zones */
    ZoneCodeStats(MeterRegistry registry, String cluster, String category, Tags extra) {
        this.registry = registry;
        this.cluster = cluster;
        this.category = category;
        this.extra = extra;
    }

    /** A zone pair's stats, registered with its first response. */
    private CodeCategoryStats pair(String from, String to) {
        Pair p = byUpstreamZone.get(to);
        if (p == null || !p.from.equals(from)) {
            p = new Pair(from, new CodeCategoryStats(registry, cluster, category, extra.and(FROM_TAG, from, TO_TAG, to)));
            byUpstreamZone.put(to, p);
        }
        return p.stats;
    }

    private record Pair(String from, CodeCategoryStats stats) {
    }

    /**
     * As Envoy's chargeResponseStat: a response from {@code to} seen in {@code from}; nothing when
     * either zone is empty. Never suppressed for gRPC, as Envoy's.
     */
    public void response(String from, String to, int status) {
        if (from != null && !from.isEmpty() && to != null && !to.isEmpty()) {
            pair(from, to).response(status);
        }
    }

    /** As Envoy's chargeResponseTiming: {@code zone.<from>.<to>.upstream_rq_time}; nothing when either zone is empty. */
    public void time(String from, String to, long millis) {
        if (from != null && !from.isEmpty() && to != null && !to.isEmpty()) {
            pair(from, to).time(millis);
        }
    }

    static boolean isZoneTag(String key) {
        return key.equals(FROM_TAG) || key.equals(TO_TAG);
    }

    /**
     * The dotted name of a zone meter ({@code rest} is its name without {@code envoy_}, any code
     * class already put back): {@code cluster.a.zone.us-east.us-west.upstream_rq_2xx}; null for any
     * other meter.
     */
    static String dottedName(Meter.Id id, String rest) {
        String from = id.getTag(FROM_TAG);
        String to = id.getTag(TO_TAG);
        String c = id.getTag(ClusterStats.TAG);
        if (from == null || to == null || c == null || !rest.startsWith(STAT_PREFIX)) {
            return null;
        }
        return "cluster." + c + ".zone." + from + "." + to + "." + rest.substring(STAT_PREFIX.length());
    }

    /**
     * The id a zone meter is exported under without {@code stats_tags}: the zones folded into the
     * name, sanitized, as Envoy's tag-extracted name has them, and dropped from the tags; any other
     * id as it is.
     */
    static Meter.Id exported(Meter.Id id) {
        String from = id.getTag(FROM_TAG);
        String to = id.getTag(TO_TAG);
        String prefix = "envoy_" + STAT_PREFIX;
        if (from == null || to == null || !id.getName().startsWith(prefix)) {
            return id;
        }
        List<Tag> tags = new ArrayList<>(id.getTags().size());
        for (Tag t : id.getTags()) {
            if (!isZoneTag(t.getKey())) {
                tags.add(t);
            }
        }
        String name = prefix + StatNames.sanitize(from) + "_" + StatNames.sanitize(to) + "_"
                + id.getName().substring(prefix.length());
        return id.withName(name).replaceTags(tags);
    }
}

package io.remora.xds.translate;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.metrics.v3.StatsConfig;
import io.envoyproxy.envoy.config.metrics.v3.StatsMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ListStringMatcher;
import io.remora.config.StringMatcher;
import io.remora.stats.StatsInclusion;

import java.util.ArrayList;
import java.util.List;

/**
 * The bootstrap's {@code stats_config}: the stats matcher becomes a {@link StatsInclusion}
 * (Istio's inclusion list decides which stats exist); {@code stats_tags} are validated and warned
 * once: Remora's stats carry Envoy's default tags.
 */
public final class StatsConfigTranslator {

    private StatsConfigTranslator() {
    }

    public static StatsInclusion translate(Bootstrap b, TranslationContext ctx) {
        if (!b.hasStatsConfig()) {
            return StatsInclusion.ALL;
        }
        StatsConfig sc = b.getStatsConfig();
        FieldPath path = FieldPath.of("stats_config");
        for (int i = 0; i < sc.getStatsTagsCount(); i++) {
            if (sc.getStatsTags(i).getTagName().isEmpty()) {
                throw path.field("stats_tags").index(i).field("tag_name").error("missing required field");
            }
        }
        if (sc.getStatsTagsCount() > 0 || sc.hasUseAllDefaultTags()) {
            ctx.warnOnce("stats_tags", "stats_config.stats_tags and use_all_default_tags are not applied: stats keep"
                    + " Envoy's default tag extraction and label names (envoy_cluster_name, envoy_http_conn_manager_prefix,"
                    + " envoy_listener_address, envoy_response_code, ...)");
        }
        if (sc.getHistogramBucketSettingsCount() > 0) {
            ctx.warnOnce("histogram_bucket_settings", "stats_config.histogram_bucket_settings are not supported;"
                    + " histograms keep Envoy's default buckets");
        }
        if (!sc.hasStatsMatcher()) {
            return StatsInclusion.ALL;
        }
        StatsMatcher m = sc.getStatsMatcher();
        FieldPath mp = path.field("stats_matcher");
        return switch (m.getStatsMatcherCase()) {
            case REJECT_ALL -> new StatsInclusion(m.getRejectAll(), null, null);
            case INCLUSION_LIST -> new StatsInclusion(false, list(m.getInclusionList(), mp.field("inclusion_list")), null);
            case EXCLUSION_LIST -> new StatsInclusion(false, null, list(m.getExclusionList(), mp.field("exclusion_list")));
            case STATSMATCHER_NOT_SET -> StatsInclusion.ALL;
        };
    }

    private static List<StringMatcher> list(ListStringMatcher l, FieldPath path) {
        List<StringMatcher> out = new ArrayList<>();
        for (int i = 0; i < l.getPatternsCount(); i++) {
            out.add(StringMatcherTranslator.translate(l.getPatterns(i), path.field("patterns").index(i)));
        }
        return out;
    }
}

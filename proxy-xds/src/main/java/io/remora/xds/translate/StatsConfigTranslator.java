package io.remora.xds.translate;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.metrics.v3.StatsConfig;
import io.envoyproxy.envoy.config.metrics.v3.HistogramBucketSettings;
import io.envoyproxy.envoy.config.metrics.v3.StatsMatcher;
import io.envoyproxy.envoy.config.metrics.v3.TagSpecifier;
import io.envoyproxy.envoy.type.matcher.v3.ListStringMatcher;
import io.remora.config.StringMatcher;
import io.remora.stats.HistogramBuckets;
import io.remora.stats.StatsInclusion;
import io.remora.stats.TagProducer;

import java.util.ArrayList;
import java.util.List;

/**
 * The bootstrap's {@code stats_config}: the stats matcher becomes a {@link StatsInclusion}
 * (Istio's inclusion list decides which stats exist), {@code stats_tags} and
 * {@code use_all_default_tags} a {@link TagProducer} (Istio renames Envoy's labels this way),
 * {@code histogram_bucket_settings} the {@link HistogramBuckets}; with them the bootstrap's
 * {@code stats_server_version_override} ({@code server.version}).
 */
public final class StatsConfigTranslator {

    /**
     * What the stats registry is built from.
     *
     * @param serverVersion {@code stats_server_version_override}: the {@code server.version} gauge; null when unset
     */
    public record Settings(StatsInclusion inclusion, TagProducer tags, HistogramBuckets buckets, Long serverVersion) {
        public static final Settings DEFAULT = new Settings(StatsInclusion.ALL, null, HistogramBuckets.DEFAULT, null);
    }

    private StatsConfigTranslator() {
    }

    /** The stats matcher only. */
    public static StatsInclusion translate(Bootstrap b, TranslationContext ctx) {
        return settings(b, ctx).inclusion();
    }

    public static Settings settings(Bootstrap b, TranslationContext ctx) {
        Long version = b.hasStatsServerVersionOverride() ? b.getStatsServerVersionOverride().getValue() : null;
        if (!b.hasStatsConfig()) {
            return version == null ? Settings.DEFAULT
                    : new Settings(StatsInclusion.ALL, null, HistogramBuckets.DEFAULT, version);
        }
        StatsConfig sc = b.getStatsConfig();
        FieldPath path = FieldPath.of("stats_config");
        return new Settings(inclusion(sc, path), tags(sc, path), buckets(sc, path), version);
    }

    /** Null when extraction is Envoy's default: the registered meters already carry those tags. */
    private static TagProducer tags(StatsConfig sc, FieldPath path) {
        boolean useDefaults = !sc.hasUseAllDefaultTags() || sc.getUseAllDefaultTags().getValue();
        if (useDefaults && sc.getStatsTagsCount() == 0) {
            return null;
        }
        List<TagProducer.Rule> rules = new ArrayList<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < sc.getStatsTagsCount(); i++) {
            TagSpecifier t = sc.getStatsTags(i);
            FieldPath tp = path.field("stats_tags").index(i);
            if (t.getTagName().isEmpty()) {
                throw tp.field("tag_name").error("missing required field");
            }
            if (!names.add(t.getTagName())) {
                throw tp.field("tag_name").error("Tag name '" + t.getTagName() + "' specified twice.");
            }
            if (t.getTagValueCase() == TagSpecifier.TagValueCase.REGEX && !t.getRegex().isEmpty()) {
                try {
                    TagProducer.compile(t.getRegex());
                } catch (java.util.regex.PatternSyntaxException e) {
                    throw tp.field("regex").error("invalid regex: " + e.getDescription());
                }
            } else if (t.getTagValueCase() != TagSpecifier.TagValueCase.FIXED_VALUE && !TagProducer.hasDefault(t.getTagName())) {
                throw tp.error("No regex specified for tag specifier and no default regex for name: '"
                        + t.getTagName() + "'");
            }
            rules.add(new TagProducer.Rule(t.getTagName(),
                    t.getTagValueCase() == TagSpecifier.TagValueCase.REGEX ? t.getRegex() : null,
                    t.getTagValueCase() == TagSpecifier.TagValueCase.FIXED_VALUE ? t.getFixedValue() : null));
        }
        return new TagProducer(useDefaults, rules);
    }

    private static HistogramBuckets buckets(StatsConfig sc, FieldPath path) {
        List<HistogramBuckets.Rule> rules = new ArrayList<>();
        for (int i = 0; i < sc.getHistogramBucketSettingsCount(); i++) {
            HistogramBucketSettings h = sc.getHistogramBucketSettings(i);
            FieldPath hp = path.field("histogram_bucket_settings").index(i);
            if (!h.hasMatch()) {
                throw hp.field("match").error("missing required field");
            }
            if (h.getBucketsCount() == 0) {
                throw hp.field("buckets").error("at least one bucket is required");
            }
            java.util.TreeSet<Double> bounds = new java.util.TreeSet<>();
            for (int j = 0; j < h.getBucketsCount(); j++) {
                double v = h.getBuckets(j);
                if (!(v > 0) || Double.isInfinite(v)) {
                    throw hp.field("buckets").index(j).error("must be greater than 0, not " + v);
                }
                if (!bounds.add(v)) {
                    throw hp.field("buckets").index(j).error("duplicate bucket " + v + " (buckets must be unique)");
                }
            }
            rules.add(new HistogramBuckets.Rule(StringMatcherTranslator.translate(h.getMatch(), hp.field("match")),
                    bounds.stream().mapToDouble(Double::doubleValue).toArray()));
        }
        return rules.isEmpty() ? HistogramBuckets.DEFAULT : new HistogramBuckets(rules);
    }

    private static StatsInclusion inclusion(StatsConfig sc, FieldPath path) {
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

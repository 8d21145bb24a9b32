package io.remora.stats;

import io.remora.config.StringMatcher;

import java.util.List;

/**
 * {@code stats_config.histogram_bucket_settings}: the first rule whose matcher accepts a
 * histogram's dotted name gives its bucket bounds; others keep Envoy's defaults.
 */
public record HistogramBuckets(List<Rule> rules) {

    public static final HistogramBuckets DEFAULT = new HistogramBuckets(List.of());

    /** One {@code HistogramBucketSettings}: matcher and strictly positive, sorted, unique bounds. */
    public record Rule(StringMatcher match, double[] buckets) {
    }

    public HistogramBuckets {
        rules = List.copyOf(rules);
    }

    /** The bounds for a histogram, or null for the defaults. */
    public double[] bucketsFor(String dottedName) {
        for (Rule r : rules) {
            if (r.match().matches(dottedName)) {
                return r.buckets();
            }
        }
        return null;
    }
}

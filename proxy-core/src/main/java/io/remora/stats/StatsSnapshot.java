package io.remora.stats;

import java.util.List;

/**
 * What a stats sink sees at one flush ({@code stats_flush_interval}): every counter with its value
 * and its change since the previous flush, every gauge, every histogram with its cumulative
 * buckets and what was recorded since the previous flush. Names are both the dotted Envoy name
 * and the exported (tag-extracted) name and labels.
 *
 * @param timestampMillis when the snapshot was taken (epoch milliseconds)
 * @param samples         every value histograms recorded since the previous flush, oldest first,
 *                        when a sink asked for them ({@link StatsSink#wantsSamples()}); else null
 */
public record StatsSnapshot(long timestampMillis, List<Counter> counters, List<Gauge> gauges,
                            List<Histogram> histograms, List<Sample> samples) {

    /** One value recorded into the histogram {@code name}. */
    public record Sample(ExportedNames.Exported name, double value) {
    }

    /** @param used Envoy's "used" flag: the counter was ever incremented */
    public record Counter(ExportedNames.Exported name, long value, long delta, boolean used) {
    }

    public record Gauge(ExportedNames.Exported name, long value) {
    }

    /**
     * @param bounds      bucket upper bounds (milliseconds for *_time histograms)
     * @param cumulative  cumulative counts per bound, for the life of the process
     * @param count       samples recorded, for the life of the process
     * @param sum         their sum
     * @param deltaCount  samples recorded since the previous flush
     * @param deltaSum    their sum
     */
    public record Histogram(ExportedNames.Exported name, double[] bounds, long[] cumulative, long count, double sum,
                            long deltaCount, double deltaSum) {

        /** The q-quantile (0..1) estimated from the cumulative buckets, as {@code /stats} prints it. */
        public double quantile(double q) {
            return EnvoyStatsFormat.quantile(new MeterValues.Histogram(bounds, cumulative, count, sum), q);
        }
    }
}

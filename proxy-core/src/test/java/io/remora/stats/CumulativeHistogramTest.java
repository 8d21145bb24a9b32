package io.remora.stats;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** Envoy-style histograms give the same snapshot Micrometer's cumulative summaries gave. */
class CumulativeHistogramTest {

    private static final double[] BOUNDS = {0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
        30000, 60000, 300000, 600000, 1800000, 3600000};

    @Test
    void snapshotMatchesMicrometersCumulativeSummary() {
        StatsRegistry ours = new StatsRegistry(new SampledMeterRegistry());
        StatsRegistry theirs = new StatsRegistry(new SimpleMeterRegistry());
        DistributionSummary a = DistributionSummary.builder("envoy_cluster_upstream_rq_time").tag("envoy_cluster_name", "c")
                .serviceLevelObjectives(BOUNDS).register(ours.meterRegistry());
        DistributionSummary b = DistributionSummary.builder("envoy_cluster_upstream_rq_time").tag("envoy_cluster_name", "c")
                .serviceLevelObjectives(BOUNDS).register(theirs.meterRegistry());
        // Through the registry's wrapper: the histogram itself is ours, Micrometer's on the other side.
        assertInstanceOf(CumulativeHistogram.class, ((SampledMeterRegistry.SampledSummary) a).delegate());
        Random r = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            // Whole milliseconds, as the proxy records them (Micrometer's buckets round a fraction
            // up): mostly small, some on the bounds exactly (a bound's bucket holds it), a few huge.
            double v = switch (i % 4) {
                case 0 -> r.nextInt(20);
                case 1 -> Math.ceil(BOUNDS[r.nextInt(BOUNDS.length)]);
                case 2 -> r.nextInt(3);
                default -> r.nextInt(5_000_000);
            };
            a.record(v);
            b.record(v);
        }
        a.record(-1);
        b.record(-1);
        HistogramSnapshot x = a.takeSnapshot();
        HistogramSnapshot y = b.takeSnapshot();
        assertEquals(y.count(), x.count());
        assertEquals(y.total(), x.total(), 1e-6 * y.total());
        assertEquals(y.max(), x.max());
        CountAtBucket[] xb = x.histogramCounts();
        CountAtBucket[] yb = y.histogramCounts();
        assertEquals(yb.length, xb.length);
        for (int i = 0; i < yb.length; i++) {
            assertEquals(yb[i].bucket(), xb[i].bucket(), "bound " + i);
            assertEquals(yb[i].count(), xb[i].count(), "count up to " + yb[i].bucket());
        }
    }

    @Test
    void aFractionCountsInTheBucketItFallsIn() {
        CumulativeHistogram h = new CumulativeHistogram(
                new SimpleMeterRegistry().summary("h").getId(), new double[] {5, 0.5, 1, 1});
        for (double v : new double[] {0, 0.3, 0.5, 0.7, 1, 4.9, 5.1}) {
            h.record(v);
        }
        CountAtBucket[] b = h.takeSnapshot().histogramCounts();
        assertEquals(3, b.length, "sorted, repeats once");
        assertEquals(0.5, b[0].bucket());
        assertEquals(3, b[0].count());
        assertEquals(5, b[1].count());
        assertEquals(6, b[2].count());
        assertEquals(7, h.count());
        assertEquals(5.1, h.max());
    }
}

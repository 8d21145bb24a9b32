package io.remora.stats;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Statistic;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;

import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * A histogram as Envoy keeps one for Prometheus: counts per fixed bucket, a count and a sum, all
 * cumulative for the life of the process, and the largest value seen.
 *
 * <p>Why not Micrometer's own: its summaries rotate a time window on every record (a clock read for
 * the histogram and one for the max) and binary-search the bounds, which was ~2 % of a worker's
 * time at one record per request each for the cluster's and the connection manager's request
 * times. Here a record is a short scan from the smallest bound (request times sit in the first
 * few buckets), three uncontended additions and, rarely, a new maximum.
 */
final class CumulativeHistogram implements DistributionSummary {

    private final Id id;
    private final double[] bounds;
    /** Values per bucket (not cumulative); the last slot counts values above every bound. */
    private final AtomicLongArray counts;
    private final LongAdder count = new LongAdder();
    private final DoubleAdder total = new DoubleAdder();
    private volatile double max;

    /** @param bounds the buckets' upper bounds, in any order; repeats count once */
    CumulativeHistogram(Id id, double[] bounds) {
        this.id = id;
        this.bounds = java.util.Arrays.stream(bounds).sorted().distinct().toArray();
        this.counts = new AtomicLongArray(this.bounds.length + 1);
    }

    @Override
    public void record(double amount) {
        if (amount < 0) {
            return; // as Micrometer's summaries: a negative amount is not a value
        }
        int i = 0;
        while (i < bounds.length && amount > bounds[i]) {
            i++;
        }
        counts.incrementAndGet(i);
        count.increment();
        total.add(amount);
        if (amount > max) {
            raiseMax(amount);
        }
    }

    private synchronized void raiseMax(double amount) {
        if (amount > max) {
            max = amount;
        }
    }

    @Override
    public long count() {
        return count.sum();
    }

    @Override
    public double totalAmount() {
        return total.sum();
    }

    @Override
    public double max() {
        return max;
    }

    /** Buckets counted up to each bound, as Prometheus's {@code le} buckets are. */
    @Override
    public HistogramSnapshot takeSnapshot() {
        CountAtBucket[] buckets = new CountAtBucket[bounds.length];
        long upTo = 0;
        for (int i = 0; i < bounds.length; i++) {
            upTo += counts.get(i);
            buckets[i] = new CountAtBucket(bounds[i], upTo);
        }
        return new HistogramSnapshot(count(), totalAmount(), max, null, buckets, null);
    }

    @Override
    public Iterable<Measurement> measure() {
        return List.of(new Measurement(this::count, Statistic.COUNT),
                new Measurement(this::totalAmount, Statistic.TOTAL), new Measurement(this::max, Statistic.MAX));
    }

    @Override
    public Id getId() {
        return id;
    }
}

package io.remora.stats;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The proxy's meter registry: Micrometer's simple registry whose histograms (distribution
 * summaries) also offer each recorded value to {@link HistogramSamples}, for sinks that send
 * every sample (statsd). A histogram with fixed buckets and no percentiles, as every Envoy
 * histogram is, is a {@link CumulativeHistogram}.
 */
public final class SampledMeterRegistry extends SimpleMeterRegistry {

    private final HistogramSamples samples = new HistogramSamples();

    public HistogramSamples samples() {
        return samples;
    }

    @Override
    protected DistributionSummary newDistributionSummary(Meter.Id id, DistributionStatisticConfig config, double scale) {
        double[] bounds = config.getServiceLevelObjectiveBoundaries();
        boolean envoyStyle = bounds != null && bounds.length > 0 && scale == 1.0
                && (config.getPercentiles() == null || config.getPercentiles().length == 0)
                && !Boolean.TRUE.equals(config.isPercentileHistogram());
        return new SampledSummary(envoyStyle ? new CumulativeHistogram(id, bounds) : super.newDistributionSummary(id, config, scale),
                samples);
    }

    /**
     * Records into the real summary, then offers the value to the samples. A class, not a record:
     * Micrometer keeps its meters in hash maps, and a record's first {@code hashCode} links its
     * {@code ObjectMethods} bootstrap (method handles spun at start-up); a meter is equal only to
     * itself anyway.
     */
    static final class SampledSummary implements DistributionSummary {

        private final DistributionSummary delegate;
        private final HistogramSamples samples;

        SampledSummary(DistributionSummary delegate, HistogramSamples samples) {
            this.delegate = delegate;
            this.samples = samples;
        }

        DistributionSummary delegate() {
            return delegate;
        }

        @Override
        public void record(double amount) {
            delegate.record(amount);
            if (amount >= 0) {
                samples.record(delegate.getId(), amount);
            }
        }

        @Override
        public long count() {
            return delegate.count();
        }

        @Override
        public double totalAmount() {
            return delegate.totalAmount();
        }

        @Override
        public double max() {
            return delegate.max();
        }

        @Override
        public HistogramSnapshot takeSnapshot() {
            return delegate.takeSnapshot();
        }

        @Override
        public Iterable<Measurement> measure() {
            return delegate.measure();
        }

        @Override
        public Id getId() {
            return delegate.getId();
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}

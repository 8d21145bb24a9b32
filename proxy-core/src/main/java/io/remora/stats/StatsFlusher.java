package io.remora.stats;

import io.micrometer.core.instrument.Meter;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Envoy's stats flush: every {@code stats_flush_interval} (default 5 s) a {@link StatsSnapshot} of
 * the registry goes to each configured sink, on one thread of its own so a slow sink never
 * delays a worker. Counter deltas and histogram intervals are the change since the previous
 * flush (a {@code /reset_counters} in between reads as the new value). A sink that throws is
 * logged and flushed again next time.
 */
public final class StatsFlusher implements AutoCloseable {

    private static final Logger LOG = io.remora.log.Logging.logger("main");

    private final StatsRegistry stats;
    private final List<StatsSink> sinks;
    private final ScheduledExecutorService timer;
    /**
     * Per meter (identity): the counter value, or the histogram count and sum, at the last flush;
     * only meters still registered then, so one removed since (a rotated Istio series) is let go.
     */
    private Map<Meter, double[]> last = new IdentityHashMap<>();
    private final HistogramSamples samples;

    /** @param interval how often to flush; null to flush only when asked ({@link #flushNow}: stats_flush_on_admin) */
    public StatsFlusher(StatsRegistry stats, List<StatsSink> sinks, Duration interval) {
        this.stats = stats;
        this.sinks = List.copyOf(sinks);
        // Histogram samples are kept only when a sink sends them, and only a sampling registry has them.
        this.samples = stats.meterRegistry() instanceof SampledMeterRegistry r
                && this.sinks.stream().anyMatch(StatsSink::wantsSamples) ? r.samples() : null;
        if (samples != null) {
            samples.enable();
        }
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "remora-stats-flush");
            t.setDaemon(true);
            return t;
        });
        if (interval != null) {
            long ms = Math.max(1, interval.toMillis());
            timer.scheduleWithFixedDelay(this::flushSafely, ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Flushes now, on the flusher's thread, and waits for it (Envoy's stats_flush_on_admin: the
     * admin flushes before it renders); a flush that takes over 5 s is left to finish on its own.
     */
    public void flushNow() {
        try {
            timer.submit(this::flushSafely).get(5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException
                 | java.util.concurrent.RejectedExecutionException e) {
            LOG.log(Level.FINE, "stats flush on admin: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void flushSafely() {
        StatsSnapshot snapshot;
        try {
            snapshot = snapshot();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "stats flush: cannot take a snapshot: " + e, e);
            return;
        }
        for (StatsSink sink : sinks) {
            try {
                sink.flush(snapshot);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "stats flush: sink " + sink + " failed: " + e);
            }
        }
    }

    /** Runs on the flusher's thread only: {@link #last} is not shared. */
    StatsSnapshot snapshot() {
        List<StatsSnapshot.Counter> counters = new ArrayList<>();
        List<StatsSnapshot.Gauge> gauges = new ArrayList<>();
        List<StatsSnapshot.Histogram> histograms = new ArrayList<>();
        ExportedNames names = stats.exportedNames();
        Map<Meter, double[]> previous = last;
        last = new IdentityHashMap<>(previous.size() + 16);
        java.util.Set<String> retired = RetiredClusters.of(stats.meterRegistry());
        for (Meter m : stats.meterRegistry().getMeters()) {
            if (RetiredClusters.hidden(retired, m)) {
                continue;
            }
            MeterValues.Kind kind = MeterValues.kind(m);
            switch (kind) {
                case COUNTER -> {
                    long v = (long) MeterValues.value(m);
                    double[] prev = previous.getOrDefault(m, new double[1]);
                    last.put(m, prev);
                    long delta = v >= prev[0] ? v - (long) prev[0] : v;
                    prev[0] = v;
                    counters.add(new StatsSnapshot.Counter(names.of(m.getId()), v, delta,
                            delta > 0 || UsedStats.used(stats.meterRegistry(), m, kind)));
                }
                case GAUGE -> {
                    double v = MeterValues.value(m);
                    UsedStats.gaugeUsed(stats.meterRegistry(), m, v);
                    gauges.add(new StatsSnapshot.Gauge(names.of(m.getId()), Double.isNaN(v) ? 0 : (long) v));
                }
                case HISTOGRAM -> {
                    MeterValues.Histogram h = MeterValues.histogram(m);
                    double[] prev = previous.getOrDefault(m, new double[2]);
                    last.put(m, prev);
                    long dc = Math.max(0, h.count() - (long) prev[0]);
                    double ds = Math.max(0, h.sum() - prev[1]);
                    prev[0] = h.count();
                    prev[1] = h.sum();
                    histograms.add(new StatsSnapshot.Histogram(names.of(m.getId()), h.bounds(), h.cumulative(),
                            h.count(), h.sum(), dc, ds));
                }
                case OTHER -> {
                }
            }
        }
        List<StatsSnapshot.Sample> recorded = null;
        if (samples != null) {
            List<HistogramSamples.Sample> drained = samples.drain();
            recorded = new ArrayList<>(drained.size());
            for (HistogramSamples.Sample s : drained) {
                recorded.add(new StatsSnapshot.Sample(names.of(s.id()), s.value()));
            }
        }
        return new StatsSnapshot(System.currentTimeMillis(), counters, gauges, histograms, recorded);
    }

    /** Flushes once more, then stops and closes the sinks. */
    @Override
    public void close() {
        try {
            timer.submit(this::flushSafely).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // best effort at shutdown
        }
        timer.shutdownNow();
        for (StatsSink s : sinks) {
            try {
                s.close();
            } catch (RuntimeException e) {
                LOG.fine(() -> "closing stats sink: " + e);
            }
        }
    }
}

package io.remora.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatsFlusherTest {

    /**
     * A counter removed from the registry (a rotated Istio series) is no longer held for its delta
     * once a flush has run without it; the counters still registered keep their deltas.
     */
    @Test
    void aRemovedMeterIsLetGoAfterTheNextFlush() throws Exception {
        StatsRegistry stats = new StatsRegistry();
        MeterRegistry registry = stats.meterRegistry();
        Counter kept = Counter.builder("envoy_cluster_upstream_rq_total").tag("envoy_cluster_name", "web")
                .register(registry);
        Counter gone = Counter.builder("istio_requests_total").tag("reporter", "source").register(registry);
        try (StatsFlusher flusher = new StatsFlusher(stats, List.of(), Duration.ofHours(1))) {
            kept.increment(2);
            gone.increment();
            flusher.snapshot();
            WeakReference<Counter> removed = new WeakReference<>(gone);
            registry.remove(gone);
            gone = null;
            kept.increment(3);
            StatsSnapshot next = flusher.snapshot();
            for (int i = 0; i < 100 && removed.get() != null; i++) {
                System.gc();
                Thread.sleep(20);
            }
            assertNull(removed.get(), "the removed counter is still referenced");
            StatsSnapshot.Counter c = next.counters().stream()
                    .filter(x -> x.name().dottedName().contains("upstream_rq_total")).findFirst().orElseThrow();
            assertEquals(3, c.delta());
        }
    }

    /**
     * Envoy's sinks send used counters only, and a counter added 0 to is used (istio.stats' custom
     * counters, made at 0): the snapshot says so; a counter never written does not.
     */
    @Test
    void aCounterWrittenAtZeroIsUsedInTheSnapshot() {
        StatsRegistry stats = new StatsRegistry();
        MeterRegistry registry = stats.meterRegistry();
        UsedStats.written(registry, Counter.builder("istio_custom_calls").register(registry));
        Counter.builder("envoy_cluster_upstream_rq_retry").tag("envoy_cluster_name", "web").register(registry);
        try (StatsFlusher flusher = new StatsFlusher(stats, List.of(), Duration.ofHours(1))) {
            StatsSnapshot s = flusher.snapshot();
            assertTrue(counter(s, "istio_custom_calls").used());
            assertFalse(counter(s, "upstream_rq_retry").used());
        }
    }

    private static StatsSnapshot.Counter counter(StatsSnapshot s, String part) {
        return s.counters().stream().filter(x -> x.name().name().contains(part)).findFirst().orElseThrow();
    }
}

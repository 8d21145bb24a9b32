package io.remora.stats;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UsedStatsTest {

    /**
     * A gauge a read found written, then removed from its registry (a rotated Istio series), is
     * let go with its flag: the registry's other meters and the registry itself live on.
     */
    @Test
    void aMeterRemovedFromItsRegistryIsNotHeldByItsFlag() throws Exception {
        MeterRegistry registry = new SimpleMeterRegistry();
        Gauge kept = UsedStats.written(registry, Gauge.builder("kept", () -> 0).register(registry));
        Gauge g = Gauge.builder("istio_custom", new AtomicLong(3), AtomicLong::get).strongReference(true)
                .register(registry);
        assertTrue(UsedStats.gaugeUsed(registry, g, g.value()));
        WeakReference<Gauge> removed = new WeakReference<>(g);
        registry.remove(g);
        g = null;
        for (int i = 0; i < 100 && removed.get() != null; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertNull(removed.get(), "the removed gauge is still referenced");
        assertTrue(UsedStats.gaugeUsed(registry, kept, 0), "a meter still registered keeps its flag");
        Gauge again = Gauge.builder("istio_custom", new AtomicLong(), AtomicLong::get).register(registry);
        assertFalse(UsedStats.gaugeUsed(registry, again, 0), "made again, it starts unwritten");
        assertEquals(2, registry.getMeters().size());
    }
}

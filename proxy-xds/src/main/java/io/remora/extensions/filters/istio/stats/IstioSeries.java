package io.remora.extensions.filters.istio.stats;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Supplier;

/**
 * The Istio series of one registry and how many stats scopes hold each, as Envoy's stats
 * allocator shares one stat among the scopes naming it: a series lives (and keeps its value)
 * while some scope of some istio.stats config holds it, and leaves {@code /stats/prometheus} when
 * the last one lets it go.
 */
final class IstioSeries {

    private static final Map<MeterRegistry, IstioSeries> BY_REGISTRY = new WeakHashMap<>();

    /** What a scope records into: the meter, or for a gauge the value it reads. */
    record Made(Object recordInto, Meter meter) {
    }

    private static final class Held {
        final Made made;
        int scopes;

        Held(Made made) {
            this.made = made;
        }
    }

    // No reference back to the registry: the weak map's value would keep its key alive.
    private final Map<String, Held> held = new HashMap<>();

    static IstioSeries of(MeterRegistry registry) {
        synchronized (BY_REGISTRY) {
            return BY_REGISTRY.computeIfAbsent(registry, r -> new IstioSeries());
        }
    }

    /** The series named {@code key} (its metric, label names and values), made when no scope holds it; one more scope holds it. */
    synchronized Object acquire(String key, Supplier<Made> make) {
        Held h = held.get(key);
        if (h == null) {
            h = new Held(make.get());
            held.put(key, h);
        }
        h.scopes++;
        return h.made.recordInto();
    }

    /** A scope let these series go: those no other scope holds are removed from the registry. */
    synchronized void release(Collection<String> keys, MeterRegistry registry) {
        for (String key : keys) {
            Held h = held.get(key);
            if (h != null && --h.scopes == 0) {
                held.remove(key);
                registry.remove(h.made.meter());
            }
        }
    }
}

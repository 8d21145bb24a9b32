package io.remora.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code /reset_counters}: Micrometer counters only grow, so a reset records each counter's
 * value as its zero and the admin's formats subtract it, as Envoy's counters read after a reset.
 * Keyed by meter identity: two registries may hold meters with equal ids.
 */
final class CounterResets {

    private record Key(Meter meter) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.meter == meter;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(meter);
        }
    }

    private static final Map<Key, Double> BASELINES = new ConcurrentHashMap<>();

    private CounterResets() {
    }

    static void reset(MeterRegistry registry) {
        for (Meter m : registry.getMeters()) {
            reset(m);
        }
    }

    /** One meter's reset (a counter; others are left as they are). */
    static void reset(Meter m) {
        if (m instanceof Counter c) {
            BASELINES.put(new Key(m), c.count());
        } else if (m instanceof FunctionCounter c) {
            BASELINES.put(new Key(m), c.count());
        }
    }

    static double baseline(Meter m) {
        if (BASELINES.isEmpty()) {
            return 0;
        }
        Double b = BASELINES.get(new Key(m));
        return b == null ? 0 : b;
    }
}

package io.remora.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Envoy's "used" flag, which {@code usedonly} reads (stats/allocator_impl.cc, histogram_impl.h): a
 * counter is used once added to, even by 0 (a reset to zero keeps it used), a histogram once it
 * recorded a value, a gauge once set or added to, even to 0. A gauge at zero that was never written
 * is not used. A meter removed from its registry loses its flag.
 *
 * <p>Remora's gauges read live state (an {@code AtomicLong}, a function) that their writers update
 * without a hook, so a gauge counts as written when it was marked at registration (those Envoy sets
 * at start-up or on every stats flush: {@code server.*}) or when any read (the admin, a sink) found
 * it non-zero; the flag then stays. A gauge that rose and fell back between two reads is missed.
 * The flag costs the hot path nothing.
 */
public final class UsedStats {

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

    /** Per registry, by meter identity: two registries may hold meters with equal ids. */
    private static final Map<MeterRegistry, Set<Key>> WRITTEN = Collections.synchronizedMap(new WeakHashMap<>());

    private UsedStats() {
    }

    /**
     * A gauge its owner sets as it registers it (Envoy sets it at start-up or on every flush), or a
     * counter added to as it is made, even by 0 (Envoy's add(0) marks it used).
     */
    public static <M extends Meter> M written(MeterRegistry registry, M meter) {
        written(registry).add(new Key(meter));
        return meter;
    }

    private static Set<Key> written(MeterRegistry registry) {
        return WRITTEN.computeIfAbsent(registry, r -> {
            Set<Key> keys = ConcurrentHashMap.newKeySet();
            // A meter removed from its registry (a rotated Istio series) is gone from /stats: its flag
            // goes with it, or the set would hold the meter and what it reads for the process's life.
            r.config().onMeterRemoved(m -> keys.remove(new Key(m)));
            return keys;
        });
    }

    static boolean used(MeterRegistry registry, Meter m, MeterValues.Kind kind) {
        return switch (kind) {
            case COUNTER -> (m instanceof Counter c ? c.count() > 0 : ((FunctionCounter) m).count() > 0)
                    || written(registry).contains(new Key(m));
            case HISTOGRAM -> MeterValues.histogram(m).count() > 0;
            case GAUGE -> gaugeUsed(registry, m, MeterValues.value(m));
            case OTHER -> false;
        };
    }

    /** Reads the gauge's value as {@code value}: non-zero marks it written. */
    static boolean gaugeUsed(MeterRegistry registry, Meter m, double value) {
        Set<Key> written = written(registry);
        Key k = new Key(m);
        if (value != 0 && !Double.isNaN(value)) {
            written.add(k);
            return true;
        }
        return written.contains(k);
    }
}

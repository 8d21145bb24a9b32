package io.remora.extensions.filters.http.geoip;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.extensions.filters.http.common.HcmCounters;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The filter's {@code http.<prefix>.geoip.total} and its provider's
 * {@code http.<prefix>.maxmind.<db>.*}. Databases reload on a watcher thread, possibly before any
 * request told the counters their connection manager's prefix: those reloads wait here and are
 * counted with the first request.
 */
final class GeoipStats {
    static final int TOTAL = 0;
    /** Where the provider's counters start. */
    static final int PROVIDER = 1;

    private final HcmCounters counters;
    private final AtomicIntegerArray pending;
    private volatile boolean anyPending;

    GeoipStats(MeterRegistry registry, String[] names) {
        this.counters = new HcmCounters(registry, names);
        this.pending = new AtomicIntegerArray(names.length);
    }

    Counter[] of(String prefix) {
        Counter[] c = counters.of(prefix);
        if (anyPending) {
            anyPending = false;
            for (int i = 0; i < pending.length(); i++) {
                int n = pending.getAndSet(i, 0);
                if (n > 0) {
                    c[i].increment(n);
                }
            }
        }
        return c;
    }

    /** A reload counter of the provider's (index from its first counter) went up. */
    void reloaded(int providerIndex) {
        Counter[] c = counters.boundOrNull();
        if (c != null) {
            c[PROVIDER + providerIndex].increment();
        } else {
            pending.incrementAndGet(PROVIDER + providerIndex);
            anyPending = true;
        }
    }
}

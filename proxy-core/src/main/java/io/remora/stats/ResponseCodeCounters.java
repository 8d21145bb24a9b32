package io.remora.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Envoy's code stats for upstream responses: {@code <prefix>_xx} by class (made up front) and
 * {@code <prefix>} by code, each bound on first sight and then an array read, no boxing, on the
 * hot path. A cluster's and a virtual cluster's share this shape.
 */
final class ResponseCodeCounters {
    private final Counter[] byClass = new Counter[6];
    private final AtomicReferenceArray<Counter> byCode = new AtomicReferenceArray<>(600);
    private final MeterRegistry registry;
    private final String metric;
    private final Tags tags;
    private volatile Counter unknown;

    ResponseCodeCounters(MeterRegistry registry, String metric, Tags tags) {
        this.registry = registry;
        this.metric = metric;
        this.tags = tags;
        for (int i = 1; i <= 5; i++) {
            byClass[i] = Counter.builder(metric + "_xx").tags(tags)
                    .tag(StatNames.RESPONSE_CODE_CLASS, Integer.toString(i)).register(registry);
        }
    }

    void count(int status) {
        int cls = status / 100;
        if (cls >= 1 && cls <= 5) {
            byClass[cls].increment();
        }
        if (status < 100 || status >= 600) {
            // Envoy's code stats have no name for a code outside 100-599 (an upstream's 600 or
            // 099): it counts in upstream_rq_unknown, made on first sight as Envoy's are.
            Counter u = unknown;
            if (u == null) {
                u = Counter.builder(metric + "_unknown").tags(tags).register(registry);
                unknown = u;
            }
            u.increment();
            return;
        }
        Counter code = byCode.get(status);
        if (code == null) {
            // A handful of distinct codes each. Registering the same id twice returns the same
            // meter, so a race here costs a lookup, never a lost count.
            code = Counter.builder(metric).tags(tags).tag(StatNames.RESPONSE_CODE, Integer.toString(status))
                    .register(registry);
            byCode.set(status, code);
        }
        code.increment();
    }
}

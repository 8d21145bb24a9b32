package io.remora.stats;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Envoy's {@code cluster.<name>.circuit_breakers.<priority>.*} gauges: {@code *_open} (1 while
 * the resource is at its limit) always, {@code remaining_*} once track_remaining asks for them.
 * Both read the cluster's live counters when scraped, so requests pay nothing for them.
 */
public final class CircuitBreakerStats {

    /** The resources of one priority, in Envoy's order. */
    public enum Resource {
        CONNECTIONS("cx_open", "remaining_cx"),
        PENDING_REQUESTS("rq_pending_open", "remaining_pending"),
        REQUESTS("rq_open", "remaining_rq"),
        RETRIES("rq_retry_open", "remaining_retries"),
        CONNECTION_POOLS("cx_pool_open", "remaining_cx_pools");

        final String open;
        final String remaining;

        Resource(String open, String remaining) {
            this.open = open;
            this.remaining = remaining;
        }
    }

    /** What the gauges read: a priority's counts and limits. */
    public interface Source {
        long count(Resource r);

        long max(Resource r);

        /** What the remaining_* gauge reads: by default what is left under the limit. */
        default long remaining(Resource r) {
            return Math.max(0, max(r) - count(r));
        }
    }

    private static final Source NONE = new Source() {
        @Override
        public long count(Resource r) {
            return 0;
        }

        @Override
        public long max(Resource r) {
            return Long.MAX_VALUE;
        }
    };

    private final MeterRegistry registry;
    private final String prefix;
    private final String cluster;
    private volatile Source source = NONE;
    private boolean remainingRegistered;

    CircuitBreakerStats(MeterRegistry registry, String cluster, String priority) {
        this.registry = registry;
        this.cluster = cluster;
        this.prefix = "envoy_cluster_circuit_breakers_" + priority + "_";
        for (Resource r : Resource.values()) {
            Gauge.builder(prefix + r.open, this, s -> s.source.count(r) >= s.source.max(r) ? 1 : 0)
                    .tag(ClusterStats.TAG, cluster).register(registry);
        }
    }

    /** The gauges read {@code s} from now on; {@code trackRemaining} adds the remaining_* gauges. */
    public synchronized void bind(Source s, boolean trackRemaining) {
        source = s;
        if (trackRemaining && !remainingRegistered) {
            remainingRegistered = true;
            for (Resource r : Resource.values()) {
                Gauge.builder(prefix + r.remaining, this, g -> g.source.remaining(r))
                        .tag(ClusterStats.TAG, cluster).register(registry);
            }
        }
    }
}

package io.remora.upstream;

import io.remora.config.ClusterLoadAssignment;
import io.remora.stats.ClusterStats;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * An EDS cluster's {@code endpoint_stale_after}: each new assignment re-arms the timer; when it
 * fires first, the assignment is stale ({@code assignment_stale}) and the cluster drops its
 * endpoints until the next one arrives, as Envoy's onAssignmentTimeout. Called under the owning
 * {@link ClusterImpl}'s monitor.
 */
final class StaleAssignments {
    private final UpstreamRuntime runtime;
    private final ClusterStats stats;
    /** Runs on the runtime's loop with the assignment whose time ran out; calls back {@link #expire}. */
    private final Consumer<ClusterLoadAssignment> onStale;
    private ClusterLoadAssignment current;
    private boolean expired;
    private ScheduledFuture<?> timer;

    /** @param runtime null: no timers (a cluster built without a cluster manager) */
    StaleAssignments(UpstreamRuntime runtime, ClusterStats stats, Consumer<ClusterLoadAssignment> onStale) {
        this.runtime = runtime;
        this.stats = stats;
        this.onStale = onStale;
    }

    /**
     * The assignment of the cluster's config now; a different one than before is a new EDS
     * delivery and re-arms the timer. True when this very assignment went stale already.
     */
    boolean assignment(ClusterLoadAssignment cla) {
        if (cla == current) {
            return expired;
        }
        current = cla;
        expired = false;
        cancel();
        java.time.Duration after = cla.policy().endpointStaleAfter();
        if (after != null) {
            stats.assignmentTimeoutReceived.increment();
            if (runtime != null) {
                timer = runtime.loop().schedule(() -> onStale.accept(cla), after.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        return false;
    }

    /** The timer of {@code cla} fired: true (and counted) when it is still the current assignment. */
    boolean expire(ClusterLoadAssignment cla) {
        if (cla != current || expired) {
            return false;
        }
        expired = true;
        timer = null;
        stats.assignmentStale.increment();
        return true;
    }

    void close() {
        cancel();
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}

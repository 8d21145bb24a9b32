package io.remora.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Envoy's {@code listener_manager.*} stats (ALL_LISTENER_MANAGER_STATS of listener_manager_impl.h but
 * {@code workers_started}, which {@link ServerStats} keeps): what each listener update did, and how many listeners
 * are warming, active and draining. All made with the server, as Envoy makes them with its listener manager.
 */
public final class ListenerManagerStats {
    private final Counter added;
    private final Counter modified;
    private final Counter removed;
    private final Counter stopped;
    private final Counter createSuccess;
    private final Counter createFailure;
    private final Counter inPlaceUpdated;
    private final AtomicLong filterChainsDraining = new AtomicLong();
    private final AtomicLong active = new AtomicLong();
    private final AtomicLong warming = new AtomicLong();
    private final AtomicLong draining = new AtomicLong();

    ListenerManagerStats(MeterRegistry r) {
        added = r.counter("envoy_listener_manager_listener_added");
        modified = r.counter("envoy_listener_manager_listener_modified");
        removed = r.counter("envoy_listener_manager_listener_removed");
        stopped = r.counter("envoy_listener_manager_listener_stopped");
        createSuccess = r.counter("envoy_listener_manager_listener_create_success");
        createFailure = r.counter("envoy_listener_manager_listener_create_failure");
        inPlaceUpdated = r.counter("envoy_listener_manager_listener_in_place_updated");
        Gauge.builder("envoy_listener_manager_total_filter_chains_draining", filterChainsDraining, AtomicLong::get)
                .register(r);
        Gauge.builder("envoy_listener_manager_total_listeners_active", active, AtomicLong::get).register(r);
        Gauge.builder("envoy_listener_manager_total_listeners_warming", warming, AtomicLong::get).register(r);
        Gauge.builder("envoy_listener_manager_total_listeners_draining", draining, AtomicLong::get).register(r);
    }

    /** A listener of a new name taken (static or from LDS), or one replacing what runs or warms under its name. */
    public void addedOrModified(boolean added) {
        (added ? this.added : modified).increment();
    }

    public void removed() {
        removed.increment();
    }

    /** A listener stopped accepting by {@code /drain_listeners}, once per listener. */
    public void stopped() {
        stopped.increment();
    }

    /** A listener handed to the workers: Envoy counts each worker's add. */
    public void created(int workers) {
        createSuccess.increment(workers);
    }

    /** A listener whose sockets could not be made or listened on. */
    public void createFailed() {
        createFailure.increment();
    }

    public void inPlaceUpdated() {
        inPlaceUpdated.increment();
    }

    public void listeners(long activeNow, long warmingNow) {
        active.set(activeNow);
        warming.set(warmingNow);
    }

    /** Listeners (or, in place, filter chains) start draining ({@code n} positive) or are gone ({@code n} negative). */
    public void drainingListeners(long n) {
        draining.addAndGet(n);
    }

    public void drainingFilterChains(long n) {
        filterChainsDraining.addAndGet(n);
    }
}

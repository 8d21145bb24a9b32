package io.remora.xds.ads;

import io.remora.server.ClusterDiscoveryStatus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * On-demand CDS, as Envoy's OdCdsApiImpl and ClusterDiscoveryManager: a cluster asked for is subscribed by
 * name over delta ADS and stays subscribed; the requests waiting for one cluster share that subscription, each
 * with its own timeout. They are told AVAILABLE once the cluster is applied (warmed: an EDS cluster with its
 * load assignment), MISSING when a response lists it as removed (the server's way to say it does not exist),
 * TIMEOUT when their timeout passes. With a cds_config of its own (ADS wildcard or file) nothing more is asked: the cluster
 * may still come with CDS before the timeout. Control thread only.
 */
final class OnDemandClusters {
    private static final Logger log = Logger.getLogger(OnDemandClusters.class.getName());

    private final class Waiter {
        final String name;
        final Consumer<ClusterDiscoveryStatus> done;
        ScheduledFuture<?> timer;

        Waiter(String name, Consumer<ClusterDiscoveryStatus> done) {
            this.name = name;
            this.done = done;
        }
    }

    private final AdsSubscriptions subscriptions;
    private final ScheduledExecutorService control;
    /**
     * False when CDS has a source of its own (a wildcard ADS subscription, whose implicit wildcard names would
     * end, or a file, which is the whole truth for clusters): nothing is asked, CDS may bring the cluster.
     */
    private final boolean byName;
    private final Set<String> asked = new LinkedHashSet<>();
    private final Map<String, List<Waiter>> waiting = new HashMap<>();
    /** Cluster names removed by CDS responses not yet applied: a cluster asked for on demand may not exist. */
    private final Set<String> removed = new java.util.HashSet<>();

    OnDemandClusters(AdsSubscriptions subscriptions, ScheduledExecutorService control, boolean byName) {
        this.subscriptions = subscriptions;
        this.control = control;
        this.byName = byName;
    }

    void request(String name, Duration timeout, Consumer<ClusterDiscoveryStatus> done, XdsUpdateCycle cycle) {
        if (cycle.accepted().clusters().containsKey(name)) {
            run(done, ClusterDiscoveryStatus.AVAILABLE); // arrived between the filter's look and this one
            return;
        }
        Waiter w = new Waiter(name, done);
        w.timer = control.schedule(() -> timedOut(w), timeout.toMillis(), TimeUnit.MILLISECONDS);
        boolean inFlight = waiting.containsKey(name);
        waiting.computeIfAbsent(name, n -> new ArrayList<>()).add(w);
        if (!byName || inFlight) {
            return; // one discovery per cluster at a time: this request waits on it
        }
        if (asked.add(name)) {
            subscriptions.explicit(XdsResourceType.CLUSTER, Set.copyOf(asked));
            cycle.evaluate();
        } else {
            subscriptions.requestAgain(XdsResourceType.CLUSTER, Set.of(name));
        }
    }

    /** The names asked for, subscribed on the stream when CDS is not a wildcard subscription. */
    Set<String> names() {
        return asked;
    }

    /** Clusters were applied: those now known are available to their waiters. */
    void applied(XdsSnapshot accepted) {
        for (String name : List.copyOf(waiting.keySet())) {
            if (accepted.clusters().containsKey(name)) {
                finish(name, ClusterDiscoveryStatus.AVAILABLE);
            }
        }
        // the responses that removed these names are applied: a cluster asked for and still unknown does not exist
        for (String name : removed) {
            if (waiting.containsKey(name) && !accepted.clusters().containsKey(name)) {
                finish(name, ClusterDiscoveryStatus.MISSING);
            }
        }
        removed.clear();
    }

    /** A CDS response, not applied yet, removed these names. */
    void removedBy(java.util.Collection<String> names) {
        removed.addAll(names);
    }

    /** The CDS responses not applied were dropped (the stream closed): so were the names they removed. */
    void responsesDropped() {
        removed.clear();
    }

    private void timedOut(Waiter w) {
        List<Waiter> ws = waiting.get(w.name);
        if (ws != null && ws.remove(w)) {
            if (ws.isEmpty()) {
                waiting.remove(w.name);
            }
            log.fine(() -> "ODCDS: cluster " + w.name + " not discovered in time");
            run(w.done, ClusterDiscoveryStatus.TIMEOUT);
        }
    }

    private void finish(String name, ClusterDiscoveryStatus status) {
        for (Waiter w : waiting.remove(name)) {
            w.timer.cancel(false);
            run(w.done, status);
        }
    }

    private static void run(Consumer<ClusterDiscoveryStatus> done, ClusterDiscoveryStatus status) {
        try {
            done.accept(status);
        } catch (RuntimeException e) {
            log.log(Level.WARNING, "ODCDS: an on-demand callback failed", e);
        }
    }

    void close() {
        waiting.values().forEach(ws -> ws.forEach(w -> w.timer.cancel(false)));
        waiting.clear();
    }
}

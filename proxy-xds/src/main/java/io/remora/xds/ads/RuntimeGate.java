package io.remora.xds.ads;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * Envoy's runtime initialization: the server starts its RTDS subscriptions once the primary clusters are
 * initialized, and only once their first responses are done with (applied, rejected, or initial_fetch_timeout run
 * out) does it initialize the secondary clusters, CDS among them, and make the cluster manager's
 * LoadStatsReporter (onClusterManagerPrimaryInitializationComplete → startRtdsSubscriptions → onRuntimeReady →
 * initializeSecondaryClusters). So RTDS is held until the static clusters are initialized, CDS until the runtime
 * is ready, and {@link #ready} completes for the load stats stream and the listener gate. Without RTDS the runtime
 * is ready at once. The static EDS clusters are secondary clusters too: their load assignments are asked for once
 * the runtime is ready, and CDS waits for their first response (StaticEdsClusters). Control thread only.
 */
final class RuntimeGate {
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final Executor control;
    /** The static clusters' initialization, as the server would report it now (null: none to wait for). */
    private Supplier<CompletableFuture<Void>> primaryInitialized;
    private boolean rtdsHeld;
    private boolean rtdsAsked;
    private boolean cdsHeld;
    /** The static EDS clusters' load assignments are not asked for yet (Envoy's secondary clusters). */
    private boolean edsHeld;

    RuntimeGate(XdsClientOptions options, Executor control) {
        this.control = control;
        boolean rtds = options.adsTypes().contains(XdsResourceType.RUNTIME)
                || options.fileSources().containsKey(XdsResourceType.RUNTIME)
                || options.apiSubscriptions().keySet().stream().anyMatch(k -> k.type() == XdsResourceType.RUNTIME);
        // the bootstrap's EDS subscriptions are the static EDS clusters' (StaticEdsClusters)
        boolean secondary = options.adsTypes().contains(XdsResourceType.ENDPOINT)
                || options.apiSubscriptions().keySet().stream().anyMatch(k -> k.type() == XdsResourceType.ENDPOINT);
        rtdsHeld = rtds;
        edsHeld = rtds && secondary;
        cdsHeld = (rtds || secondary) && !options.clustersOnDemandOnly();
        if (!rtds) {
            ready.complete(null);
        }
    }

    /** Set before the client starts: the server's initialization of the clusters it has (the static ones then). */
    void primaryClustersInitialized(Supplier<CompletableFuture<Void>> s) {
        this.primaryInitialized = s;
    }

    /** RTDS is not subscribed yet. */
    boolean rtdsHeld() {
        return rtdsHeld;
    }

    /** CDS is not subscribed yet. */
    boolean cdsHeld() {
        return cdsHeld;
    }

    /** The static EDS clusters' load assignments are not subscribed yet. */
    boolean edsHeld() {
        return edsHeld;
    }

    /** Completes (on the control thread) once the runtime is ready. */
    CompletableFuture<Void> ready() {
        return ready;
    }

    /**
     * After each update (and as the client starts), with the types still owed their first response and those
     * pending: RTDS is released once the static clusters are initialized; once its first responses are done with,
     * the runtime is ready and CDS, if held, is released.
     */
    void check(Set<XdsResourceType> awaitingFirst, Set<XdsResourceType> pending,
               java.util.function.Consumer<XdsResourceType> release) {
        if (rtdsHeld) {
            if (!rtdsAsked) {
                rtdsAsked = true;
                CompletableFuture<Void> init = primaryInitialized == null ? CompletableFuture.completedFuture(null)
                        : primaryInitialized.get();
                if (init.isDone()) {
                    releaseRtds(release);
                } else {
                    init.whenComplete((v, e) -> {
                        try {
                            control.execute(() -> releaseRtds(release));
                        } catch (RejectedExecutionException closed) {
                            // the client is closed
                        }
                    });
                }
            }
            return;
        }
        if (!ready.isDone()) {
            if (awaitingFirst.contains(XdsResourceType.RUNTIME) || pending.contains(XdsResourceType.RUNTIME)) {
                return;
            }
            ready.complete(null);
            if (edsHeld) {
                edsHeld = false;
                release.accept(XdsResourceType.ENDPOINT); // initializeSecondaryClusters
            }
        }
        // CDS once the secondary clusters are initialized: their first EDS response done with
        if (cdsHeld && !edsHeld && !awaitingFirst.contains(XdsResourceType.ENDPOINT)
                && !pending.contains(XdsResourceType.ENDPOINT)) {
            cdsHeld = false;
            release.accept(XdsResourceType.CLUSTER);
        }
    }

    private void releaseRtds(java.util.function.Consumer<XdsResourceType> release) {
        rtdsHeld = false;
        release.accept(XdsResourceType.RUNTIME);
    }
}

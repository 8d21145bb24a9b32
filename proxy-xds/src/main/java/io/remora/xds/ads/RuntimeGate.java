package io.remora.xds.ads;

import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Envoy's onRuntimeReady: the server starts its RTDS subscriptions once the primary clusters are initialized, and
 * only once their first responses are done with (applied, rejected, or initial_fetch_timeout run out) does it
 * initialize the secondary clusters, CDS among them, and make the cluster manager's LoadStatsReporter
 * (onClusterManagerPrimaryInitializationComplete → startRtdsSubscriptions → onRuntimeReady →
 * initializeSecondaryClusters). So CDS is held until then, and {@link #ready} completes for the load stats stream
 * and the listener gate. Without RTDS the runtime is ready at once. Control thread only.
 */
final class RuntimeGate {
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private boolean held;

    RuntimeGate(XdsClientOptions options) {
        boolean rtds = options.adsTypes().contains(XdsResourceType.RUNTIME)
                || options.fileSources().containsKey(XdsResourceType.RUNTIME)
                || options.apiSubscriptions().keySet().stream().anyMatch(k -> k.type() == XdsResourceType.RUNTIME);
        held = rtds && !options.clustersOnDemandOnly();
        if (!rtds) {
            ready.complete(null);
        }
    }

    /** CDS is not subscribed yet. */
    boolean held() {
        return held;
    }

    /** Completes (on the control thread) once the runtime is ready. */
    CompletableFuture<Void> ready() {
        return ready;
    }

    /**
     * After each update, with the types still owed their first response and those pending: once RTDS's first
     * responses are done with, the runtime is ready and {@code release} runs (once) if CDS was held.
     */
    void check(Set<XdsResourceType> awaitingFirst, Set<XdsResourceType> pending, Runnable release) {
        if (ready.isDone() || awaitingFirst.contains(XdsResourceType.RUNTIME)
                || pending.contains(XdsResourceType.RUNTIME)) {
            return;
        }
        boolean wasHeld = held;
        held = false;
        ready.complete(null);
        if (wasHeld) {
            release.run();
        }
    }
}

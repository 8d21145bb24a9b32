package io.remora.xds.ads;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Envoy's order of server initialization for LDS, over ADS or not (an api_config_source stream or a file): LdsApi
 * is an init target of the server's init manager, its subscription started only by that target (lds_api.cc), and
 * RunHelper initializes the manager only once the cluster manager is (cm.setInitializedCb), i.e. once CDS's first
 * response was applied or failed and every cluster it named is initialized (its EDS, first DNS answer, first health
 * checks); without CDS, once the static clusters are. ADS is no exception: the LDS request waits on the same stream.
 * So the LDS subscription is held until then, and the server stays INITIALIZING until LDS's own first response (or
 * its initial_fetch_timeout). Control thread only.
 */
final class ListenerGate {
    /** The cluster manager's initialization, as the server would report it now (null: none to wait for). */
    private Supplier<CompletableFuture<Void>> clustersInitialized;
    private boolean held;
    private boolean asked;
    /** LDS's first response is still owed: the server initializes (read by the applier on the control thread). */
    private volatile boolean owed;

    /** The client's control thread, where the release runs once the clusters are initialized. */
    private final java.util.concurrent.Executor control;

    ListenerGate(XdsClientOptions options, java.util.concurrent.Executor control) {
        this.control = control;
        // Without CDS the static clusters alone gate it (the first check, as the client starts).
        boolean gated = options.adsTypes().contains(XdsResourceType.LISTENER)
                || options.fileSources().containsKey(XdsResourceType.LISTENER)
                || options.apiSubscriptions().keySet().stream().anyMatch(k -> k.type() == XdsResourceType.LISTENER);
        held = gated;
        owed = gated;
    }

    /** Set before the client starts: the server's cluster initialization (all clusters it has when asked). */
    void clustersInitialized(Supplier<CompletableFuture<Void>> s) {
        this.clustersInitialized = s;
    }

    /** LDS is not subscribed yet. */
    boolean held() {
        return held;
    }

    /** The server is still initializing for LDS's sake: held, or its first response not in yet. */
    boolean owed() {
        return owed;
    }

    /**
     * After each update, with the types still owed their first response and those pending: once CDS's first
     * response is done with (applied, rejected or timed out), {@code release} runs on the control thread when the
     * cluster manager is initialized; once released, LDS's first response (or its timeout) settles the wait.
     */
    void check(java.util.Set<XdsResourceType> awaitingFirst, java.util.Set<XdsResourceType> pending, Runnable release) {
        if (!held) {
            settle(awaitingFirst, pending);
            return;
        }
        // the static EDS clusters' first response too (without CDS, the secondary clusters' initialization)
        if (asked || awaitingFirst.contains(XdsResourceType.CLUSTER) || pending.contains(XdsResourceType.CLUSTER)
                || awaitingFirst.contains(XdsResourceType.ENDPOINT)) {
            return;
        }
        asked = true;
        CompletableFuture<Void> init = clustersInitialized == null ? CompletableFuture.completedFuture(null)
                : clustersInitialized.get();
        if (init.isDone()) {
            open(release);
        } else {
            init.whenComplete((v, e) -> {
                try {
                    control.execute(() -> open(release));
                } catch (java.util.concurrent.RejectedExecutionException closed) {
                    // the client is closed
                }
            });
        }
    }

    /**
     * Once released, LDS's first response settles the wait when it is applied (or rejected, or timed out): not
     * when it merely arrived, as its listeners may still warm on their routes and secrets. Called with what is
     * still pending once the types about to be applied are taken, so that the applier sees the wait over.
     */
    void settle(java.util.Set<XdsResourceType> awaitingFirst, java.util.Set<XdsResourceType> pending) {
        if (!held && !awaitingFirst.contains(XdsResourceType.LISTENER) && !pending.contains(XdsResourceType.LISTENER)) {
            owed = false;
        }
    }

    private void open(Runnable release) {
        held = false;
        release.run();
    }
}

package io.remora.xds.ads;

import java.util.Set;
import java.util.function.Consumer;

/**
 * Envoy's start-up order of the bootstrap's subscriptions, over ADS or not: RTDS once the static clusters are
 * initialized; the static EDS clusters' load assignments once the runtime is ready; CDS once those are in
 * ({@link RuntimeGate}); LDS once the cluster manager is initialized ({@link ListenerGate}), which is after the
 * runtime is ready even without CDS, as the secondary clusters wait for it. A type held is neither subscribed
 * nor waited for; once released it is subscribed and initialization waits for its first response. Control thread
 * only.
 */
final class StartOrder {
    final RuntimeGate runtime;
    final ListenerGate listeners;

    StartOrder(RuntimeGate runtime, ListenerGate listeners) {
        this.runtime = runtime;
        this.listeners = listeners;
    }

    /** The type is held back: not subscribed yet. */
    boolean held(XdsResourceType type) {
        return switch (type) {
            case RUNTIME -> runtime.rtdsHeld();
            case CLUSTER -> runtime.cdsHeld();
            case ENDPOINT -> runtime.edsHeld();
            case LISTENER -> listeners.held();
            default -> false;
        };
    }

    /**
     * The server still waits for a held type or for LDS's first response: a snapshot applied meanwhile does not
     * end its initialization.
     */
    boolean initializing() {
        return runtime.rtdsHeld() || runtime.edsHeld() || runtime.cdsHeld() || listeners.owed();
    }

    /**
     * After each update (and once as the client starts), with the types still owed their first response and those
     * pending: {@code release} runs for each type whose turn has come.
     */
    void check(Set<XdsResourceType> awaitingFirst, Set<XdsResourceType> pending, Consumer<XdsResourceType> release) {
        runtime.check(awaitingFirst, pending, release);
        if (runtime.ready().isDone()) {
            listeners.check(awaitingFirst, pending, () -> release.accept(XdsResourceType.LISTENER));
        }
    }
}

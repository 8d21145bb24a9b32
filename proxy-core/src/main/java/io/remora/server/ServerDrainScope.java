package io.remora.server;

/**
 * How far the server's drain reaches, as Envoy's drain manager keeps its direction: nothing, the INBOUND
 * listeners ({@code /drain_listeners?inboundonly}), or every listener (any other drain, the shutdown), each
 * with its own start and so its own gradual share. A listener's filters drain when the scope covers its
 * direction (see {@link ListenerDrainContext}). Written by the control thread, read by the workers.
 */
final class ServerDrainScope {
    private volatile DrainDecision inbound;
    private volatile DrainDecision all;

    /**
     * A drain starts: the first of each kind stays (see {@link DrainDecision#keep}); an inbound-only one after a
     * full one changes nothing.
     */
    void start(boolean inboundOnly, DrainDecision drain) {
        if (inboundOnly) {
            inbound = inbound == null ? drain : inbound;
        } else {
            all = DrainDecision.keep(all, drain);
        }
    }

    /** The server drains, in any direction. */
    boolean any() {
        return all != null || inbound != null;
    }

    /** The drain reaches this scope: the inbound one, or all (see {@link ServerContext#draining(boolean)}). */
    boolean reaches(boolean inboundScope) {
        return all != null || inboundScope && inbound != null;
    }

    /** Whether a connection of this scope closes now, as the drain that reached it decides. */
    boolean drainClose(boolean inboundScope) {
        DrainDecision a = all;
        if (a != null && a.drainClose()) {
            return true;
        }
        DrainDecision i = inboundScope ? inbound : null;
        return i != null && i.drainClose();
    }
}

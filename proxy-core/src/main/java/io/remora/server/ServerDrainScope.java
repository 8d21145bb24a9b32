package io.remora.server;

/**
 * How far the server's drain reaches, as Envoy's drain manager keeps its direction: nothing, the INBOUND
 * listeners ({@code /drain_listeners?inboundonly}), or every listener (any other drain, the shutdown). A
 * listener's filters drain when the scope covers its direction (see {@link ListenerDrainContext}). Written
 * by the control thread, read by the workers.
 */
final class ServerDrainScope {
    private volatile boolean inbound;
    private volatile boolean all;

    /** A drain starts; an inbound-only one after a full one changes nothing. */
    void start(boolean inboundOnly) {
        if (inboundOnly) {
            inbound = true;
        } else {
            all = true;
        }
    }

    /** The server drains, in any direction. */
    boolean any() {
        return all || inbound;
    }

    /** The drain reaches this scope: the inbound one, or all (see {@link ServerContext#draining(boolean)}). */
    boolean reaches(boolean inboundScope) {
        return all || inboundScope && inbound;
    }
}

package io.remora.network;

/** What a network filter tells its chain (Envoy's {@code Network::FilterStatus}). */
public enum NetworkFilterStatus {
    /** Pass the event (and the data) to the next filter. */
    CONTINUE,
    /**
     * Stop here: the chain keeps the data (adding what arrives later) until the filter returns
     * CONTINUE from a later call or calls {@code continueReading()}.
     */
    STOP_ITERATION
}

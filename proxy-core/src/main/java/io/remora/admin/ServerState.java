package io.remora.admin;

import io.remora.stats.ServerStats;

/**
 * Envoy's server state as the admin reports it ({@code /ready}, {@code /server_info}) and as the
 * {@code server.live} / {@code server.state} gauges show it. A failed health check or the shutdown's
 * drain makes the server DRAINING; {@code /healthcheck/ok} undoes only the former. {@code /drain_listeners}
 * does not: Envoy's state follows only its init manager and the health check.
 */
public final class ServerState {

    /** Envoy's {@code admin.v3.ServerInfo.State}; the ordinal is the {@code server.state} gauge value. */
    public enum State { LIVE, DRAINING, PRE_INITIALIZING, INITIALIZING }

    private final ServerStats stats;
    private volatile boolean initialized;
    private volatile boolean healthCheckFailed;
    private volatile boolean draining;

    /** Starts INITIALIZING (503 on /ready) until {@link #initialized()} is called. */
    public ServerState(ServerStats stats) {
        this.stats = stats;
        publish();
    }

    /** Listeners are bound and the initial config is applied: the server is LIVE. */
    public void initialized() {
        initialized = true;
        stats.workersStarted.set(1);
        publish();
    }

    public void failHealthCheck() {
        healthCheckFailed = true;
        publish();
    }

    public void okHealthCheck() {
        healthCheckFailed = false;
        publish();
    }

    /** Drain for shutdown (SIGTERM, /quitquitquit); not undone. */
    public void startDraining() {
        draining = true;
        publish();
    }

    public boolean healthCheckFailed() {
        return healthCheckFailed;
    }

    /** What {@code ServerContext.draining()} should answer. */
    public boolean draining() {
        return draining || healthCheckFailed;
    }

    public State state() {
        if (!initialized) {
            return State.INITIALIZING;
        }
        return draining() ? State.DRAINING : State.LIVE;
    }

    private synchronized void publish() {
        State s = state();
        stats.state.set(s.ordinal());
        stats.live.set(s == State.LIVE ? 1 : 0);
    }
}

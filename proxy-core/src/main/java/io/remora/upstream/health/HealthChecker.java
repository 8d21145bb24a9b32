package io.remora.upstream.health;

import io.netty.channel.EventLoop;
import io.remora.config.HealthCheckConfig;
import io.remora.stats.ClusterStats;
import io.remora.upstream.EventLogFile;
import io.remora.upstream.HealthFlag;
import io.remora.upstream.Host;
import io.remora.upstream.UpstreamRuntime;

import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Envoy's active health checker of one cluster ({@code HealthCheckerImplBase}): one session per
 * host, each checking on its own timer, all on the upstream loop. A host fails at
 * {@code unhealthy_threshold} network failures in a row, or at once on a non-retriable ACTIVE
 * failure (an unexpected HTTP status, NOT_SERVING); it comes back at {@code healthy_threshold}
 * successes, or at the very first check. A cluster with several {@code health_checks} runs one
 * checker each, independently: each session keeps its own view of the host's active-check flags,
 * and the host carries a flag while any of its cluster's checkers raises it, so it takes traffic
 * only when every checker passes it.
 */
public final class HealthChecker {
    private static final Logger LOG = Logger.getLogger(HealthChecker.class.getName());

    enum Transition { UNCHANGED, CHANGED, CHANGE_PENDING }

    private final String clusterName;
    final HealthCheckConfig config;
    final UpstreamRuntime runtime;
    final EventLoop loop;
    private final ClusterStats clusterStats;
    final HealthCheckStats stats;
    private final Runnable healthChanged;
    private final Consumer<Host> onSuccess;
    /** {@code event_log_path}'s events; null when not set. */
    private final HealthCheckEvents events;
    private final java.util.function.Supplier<io.remora.upstream.TransportSocketFactory> transportSockets;
    /** Upstream loop only. */
    private final Map<Host, Session> sessions = new IdentityHashMap<>();
    private boolean stopped;
    /** The cluster's checkers, this one included; set before the first hosts. */
    private volatile List<HealthChecker> peers = List.of(this);

    /**
     * @param healthChanged runs after a host's health changed (the cluster regroups its hosts)
     * @param onSuccess     runs after every passed check (outlier detection may uneject the host)
     * @param transportSockets the cluster's current transport sockets, which checks connect through
     */
    public HealthChecker(String clusterName, HealthCheckConfig config, UpstreamRuntime runtime, ClusterStats clusterStats,
                         Runnable healthChanged, Consumer<Host> onSuccess,
                         java.util.function.Supplier<io.remora.upstream.TransportSocketFactory> transportSockets) {
        this.clusterName = clusterName;
        this.config = config;
        this.runtime = runtime;
        this.loop = runtime.loop();
        this.clusterStats = clusterStats;
        this.stats = HealthCheckStats.of(runtime.registry(), clusterStats.name());
        this.healthChanged = healthChanged;
        this.onSuccess = onSuccess;
        EventLogFile log = EventLogFile.of(config.eventLogPath());
        this.events = log == null ? null : new HealthCheckEvents(log, checkerType(), clusterName);
        this.transportSockets = transportSockets;
    }

    /** The cluster's checkers (this one among them), whose verdicts on a host combine. */
    public void peers(List<HealthChecker> all) {
        peers = List.copyOf(all);
    }

    io.remora.upstream.TransportSocketFactory transportSockets() {
        return transportSockets.get();
    }

    String clusterName() {
        return clusterName;
    }

    /** The cluster's hosts now (control thread): new hosts get a session, gone ones lose theirs. */
    public void hostsChanged(List<Host> hosts) {
        List<Host> copy = List.copyOf(hosts);
        loop.execute(() -> {
            if (stopped) {
                return;
            }
            boolean changed = false;
            Set<Host> current = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
            current.addAll(copy);
            for (var it = sessions.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (!current.contains(e.getKey())) {
                    e.getValue().stop();
                    it.remove();
                }
            }
            for (Host h : copy) {
                if (!sessions.containsKey(h)) {
                    Session s = new Session(h, newProbe(h));
                    sessions.put(h, s);
                    changed |= s.own(HealthFlag.FAILED_ACTIVE_HC, true);
                    s.start();
                }
            }
            recountHealthy();
            if (changed) {
                // another checker had passed the host before this one knew it
                healthChanged.run();
            }
        });
    }

    /**
     * Envoy's ImmediateHealthCheckFail from a response header: the host fails at once (a passive
     * failure, flagged excluded_via_immediate_hc_fail) until its next passing check. Any thread.
     */
    public void immediateFail(Host host) {
        loop.execute(() -> {
            Session s = stopped ? null : sessions.get(host);
            if (s != null) {
                s.immediateFail();
            }
        });
    }

    public void stop() {
        loop.execute(() -> {
            stopped = true;
            sessions.values().forEach(Session::stop);
            sessions.clear();
        });
    }

    private Probe newProbe(Host h) {
        HealthCheckConfig.Checker c = config.checker();
        if (c instanceof HealthCheckConfig.Http http) {
            return http.http2() ? new Http2HttpProbe(this, h, http) : new HttpProbe(this, h, http);
        }
        if (c instanceof HealthCheckConfig.Tcp tcp) {
            return new TcpProbe(this, h, tcp);
        }
        return new GrpcProbe(this, h, (HealthCheckConfig.Grpc) c);
    }

    private void recountHealthy() {
        long healthy = 0;
        long degraded = 0;
        for (Host h : sessions.keySet()) {
            if (!h.healthFlagGet(HealthFlag.FAILED_ACTIVE_HC)) {
                healthy++;
                if (h.healthFlagGet(HealthFlag.DEGRADED_ACTIVE_HC)) {
                    degraded++;
                }
            }
        }
        stats.healthy.set(healthy);
        stats.degraded.set(degraded);
    }

    String checkerType() {
        HealthCheckConfig.Checker c = config.checker();
        return c instanceof HealthCheckConfig.Http ? "HTTP" : c instanceof HealthCheckConfig.Tcp ? "TCP" : "GRPC";
    }

    /** The next check's delay, Envoy's {@code HealthCheckerImplBase::interval}. */
    long intervalMillis(boolean unhealthy, Transition t) {
        HealthCheckConfig c = config;
        Duration base;
        if (clusterStats.upstreamCxTotal.count() > 0) {
            if (unhealthy) {
                base = t == Transition.CHANGED ? c.unhealthyEdgeInterval() : c.unhealthyInterval();
            } else {
                base = t == Transition.CHANGED ? c.healthyEdgeInterval() : c.interval();
            }
        } else {
            // No traffic yet: check slowly; a healthy host may use its own no-traffic interval.
            base = unhealthy ? c.noTrafficInterval() : c.noTrafficHealthyInterval();
        }
        long ms = Math.max(1, base.toMillis());
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long percentMod = c.intervalJitterPercent() * ms / 100;
        if (percentMod > 0) {
            ms += r.nextLong(percentMod);
        }
        long jitter = c.intervalJitter().toMillis();
        if (jitter > 0) {
            ms += r.nextLong(jitter);
        }
        return ms;
    }

    /** One host's checks (Envoy's {@code ActiveHealthCheckSession}); upstream loop only. */
    final class Session implements Probe.Outcome {
        final Host host;
        private final Probe probe;
        private int numHealthy;
        private int numUnhealthy;
        private boolean firstCheck = true;
        private io.netty.util.concurrent.ScheduledFuture<?> intervalTimer;
        private io.netty.util.concurrent.ScheduledFuture<?> timeoutTimer;
        private boolean inFlight;
        private boolean stopped;
        /** What this checker raises: failed, degraded, timed out, excluded via immediate failure. */
        private int flags;

        Session(Host host, Probe probe) {
            this.host = host;
            this.probe = probe;
        }

        boolean own(HealthFlag f) {
            return (flags & f.bit) != 0;
        }

        /**
         * Raises or lowers the flag as this checker sees it; the host shows it while any of the
         * cluster's checkers raises it. True when the host's flag changed.
         */
        boolean own(HealthFlag f, boolean on) {
            flags = on ? flags | f.bit : flags & ~f.bit;
            boolean any = on || raisedByPeer(f);
            if (any == host.healthFlagGet(f)) {
                return false;
            }
            if (any) {
                host.healthFlagSet(f);
            } else {
                host.healthFlagClear(f);
            }
            return true;
        }

        private boolean raisedByPeer(HealthFlag f) {
            for (HealthChecker c : peers) {
                Session s = c == HealthChecker.this ? null : c.sessions.get(host);
                if (s != null && s.own(f)) {
                    return true;
                }
            }
            return false;
        }

        void start() {
            long initial = config.initialJitter().toMillis();
            long delay = initial > 0 ? ThreadLocalRandom.current().nextLong(initial) : 0;
            intervalTimer = loop.schedule(this::check, delay, TimeUnit.MILLISECONDS);
        }

        void stop() {
            stopped = true;
            if (intervalTimer != null) {
                intervalTimer.cancel(false);
            }
            if (timeoutTimer != null) {
                timeoutTimer.cancel(false);
            }
            probe.close();
        }

        private void check() {
            if (stopped) {
                return;
            }
            inFlight = true;
            stats.attempt.increment();
            timeoutTimer = loop.schedule(this::onTimeout, Math.max(1, config.timeout().toMillis()), TimeUnit.MILLISECONDS);
            try {
                probe.check(this);
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "health check of " + host + " failed to start", e);
                failure(Probe.FailureType.NETWORK, false);
            }
        }

        private void onTimeout() {
            if (!inFlight || stopped) {
                return;
            }
            own(HealthFlag.ACTIVE_HC_TIMEOUT, true);
            failure(Probe.FailureType.NETWORK_TIMEOUT, false);
            // After the verdict: closing may report a network failure, which is then ignored.
            probe.close();
        }

        private boolean finishCheck() {
            if (!inFlight || stopped) {
                return false;
            }
            inFlight = false;
            if (timeoutTimer != null) {
                timeoutTimer.cancel(false);
                timeoutTimer = null;
            }
            return true;
        }

        @Override
        public void success(boolean degraded) {
            if (!finishCheck()) {
                return;
            }
            stats.success.increment();
            numUnhealthy = 0;
            Transition t = Transition.UNCHANGED;
            if (own(HealthFlag.FAILED_ACTIVE_HC)) {
                // The very first result moves a host to healthy at once (faster start-up, as Envoy).
                if (firstCheck || ++numHealthy == config.healthyThreshold()) {
                    own(HealthFlag.ACTIVE_HC_TIMEOUT, false);
                    own(HealthFlag.FAILED_ACTIVE_HC, false);
                    own(HealthFlag.EXCLUDED_VIA_IMMEDIATE_HC_FAIL, false);
                    t = Transition.CHANGED;
                    logEvent("add_healthy_event", "{\"first_check\":" + firstCheck + "}", 5);
                } else {
                    t = Transition.CHANGE_PENDING;
                }
            }
            t = clearPending(t);
            if (degraded != own(HealthFlag.DEGRADED_ACTIVE_HC)) {
                own(HealthFlag.DEGRADED_ACTIVE_HC, degraded);
                if (degraded) {
                    logEvent("degraded_healthy_host", "{}", 8);
                } else {
                    logEvent("no_longer_degraded_host", "{}", 9);
                }
                t = Transition.CHANGED;
            }
            if (config.alwaysLogHealthCheckSuccess()) {
                logEvent("successful_health_check_event", "{}", 12);
            }
            firstCheck = false;
            done(t);
            onSuccess.accept(host);
        }

        @Override
        public void failure(Probe.FailureType type, boolean retriable) {
            if (!finishCheck()) {
                return;
            }
            // Counted before the host's flags change: whoever sees the host ejected sees its failures.
            stats.failure.increment();
            if (type == Probe.FailureType.NETWORK) {
                stats.networkFailure.increment();
            } else if (type == Probe.FailureType.PASSIVE) {
                stats.passiveFailure.increment();
            }
            numHealthy = 0;
            if (type != Probe.FailureType.NETWORK_TIMEOUT) {
                // The timeout flag says why the last check failed; it toggles while unhealthy.
                own(HealthFlag.ACTIVE_HC_TIMEOUT, false);
            }
            Transition t = Transition.UNCHANGED;
            if (!own(HealthFlag.FAILED_ACTIVE_HC)) {
                if ((!retriable && type == Probe.FailureType.ACTIVE) || ++numUnhealthy == config.unhealthyThreshold()) {
                    t = Transition.CHANGED;
                    if (own(HealthFlag.FAILED_ACTIVE_HC, true)) {
                        host.healthFailure.fire();
                    }
                    logEvent("eject_unhealthy_event", "{\"failure_type\":\"" + type + "\"}", 4);
                } else {
                    t = Transition.CHANGE_PENDING;
                }
            }
            t = clearPending(t);
            if ((firstCheck || config.alwaysLogHealthCheckFailures())) {
                logEvent("health_check_failure_event",
                        "{\"failure_type\":\"" + type + "\",\"first_check\":" + firstCheck + "}", 7);
            }
            firstCheck = false;
            done(t);
        }

        void immediateFail() {
            stats.failure.increment();
            stats.passiveFailure.increment();
            numHealthy = 0;
            boolean changed = !own(HealthFlag.EXCLUDED_VIA_IMMEDIATE_HC_FAIL);
            own(HealthFlag.EXCLUDED_VIA_IMMEDIATE_HC_FAIL, true);
            if (!own(HealthFlag.FAILED_ACTIVE_HC)) {
                logEvent("eject_unhealthy_event", "{\"failure_type\":\"PASSIVE\"}", 4);
                changed = true;
                if (own(HealthFlag.FAILED_ACTIVE_HC, true)) {
                    host.healthFailure.fire();
                }
            }
            if (changed) {
                recountHealthy();
                healthChanged.run();
            }
        }

        private Transition clearPending(Transition t) {
            if (host.healthFlagGet(HealthFlag.PENDING_ACTIVE_HC)) {
                host.healthFlagClear(HealthFlag.PENDING_ACTIVE_HC);
                return Transition.CHANGED;
            }
            return t;
        }

        private void done(Transition t) {
            if (t == Transition.CHANGED) {
                recountHealthy();
                healthChanged.run();
            }
            boolean unhealthy = own(HealthFlag.FAILED_ACTIVE_HC);
            intervalTimer = loop.schedule(this::check, intervalMillis(unhealthy, t), TimeUnit.MILLISECONDS);
        }

        private void logEvent(String field, String body, int fieldNumber) {
            if (events != null) {
                events.log(host, field, body, fieldNumber);
            }
        }
    }
}

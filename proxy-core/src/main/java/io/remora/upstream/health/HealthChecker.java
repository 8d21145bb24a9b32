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
import java.util.function.Consumer;

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
    private final java.util.function.Supplier<io.remora.config.ClusterConfig> clusterConfig;
    /** Upstream loop only. */
    private final Map<Host, HealthCheckSession> sessions = new IdentityHashMap<>();
    private boolean stopped;
    /** Told of every finished check, pass or fail (the group's first round counts them); none by default. */
    private volatile Consumer<Host> checkCompleted = h -> { };
    /** The cluster's checkers, this one included; set before the first hosts. */
    private volatile List<HealthChecker> peers = List.of(this);

    /**
     * @param healthChanged runs after a host's health changed (the cluster regroups its hosts)
     * @param onSuccess     runs after every passed check (outlier detection may uneject the host)
     * @param transportSockets the cluster's current transport sockets, which checks connect through
     * @param clusterConfig    the cluster's current config, whose keep-alive and upstream_bind_config checks connect with
     */
    public HealthChecker(String clusterName, HealthCheckConfig config, UpstreamRuntime runtime, ClusterStats clusterStats,
                         Runnable healthChanged, Consumer<Host> onSuccess,
                         java.util.function.Supplier<io.remora.upstream.TransportSocketFactory> transportSockets,
                         java.util.function.Supplier<io.remora.config.ClusterConfig> clusterConfig) {
        this.clusterName = clusterName;
        this.config = config;
        this.runtime = runtime;
        this.loop = runtime.loop();
        this.clusterStats = clusterStats;
        this.stats = HealthCheckStats.of(runtime.registry(), clusterStats.name());
        this.healthChanged = healthChanged;
        this.onSuccess = onSuccess;
        List<EventLogFile> logs = config.eventLogPaths().stream().map(EventLogFile::of).toList();
        this.events = logs.isEmpty() ? null : new HealthCheckEvents(logs, checkerType(), clusterName);
        this.transportSockets = transportSockets;
        this.clusterConfig = clusterConfig;
    }

    /** The cluster's checkers (this one among them), whose verdicts on a host combine. */
    public void peers(List<HealthChecker> all) {
        peers = List.copyOf(all);
    }

    io.remora.upstream.TransportSocketFactory transportSockets() {
        return transportSockets.get();
    }

    /** The cluster's config now; null where none is known (checkers built alone, in tests). */
    io.remora.config.ClusterConfig clusterConfig() {
        return clusterConfig.get();
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
                if (!sessions.containsKey(h) && !h.activeHealthCheckDisabled()) {
                    HealthCheckSession s = new HealthCheckSession(this, h, newProbe(h));
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
            HealthCheckSession s = stopped ? null : sessions.get(host);
            if (s != null) {
                s.immediateFail();
            }
        });
    }

    public void stop() {
        loop.execute(() -> {
            stopped = true;
            sessions.values().forEach(HealthCheckSession::stop);
            sessions.clear();
        });
    }

    /** Who is told of every finished check, on the upstream loop. */
    void onCheckCompleted(Consumer<Host> listener) {
        this.checkCompleted = listener;
    }

    /** A session finished a check, passed or failed. */
    void checkCompleted(Host host) {
        checkCompleted.accept(host);
    }

    /** Whether this checker has yet to finish its first check of {@code host}. Upstream loop only. */
    boolean firstCheckPending(Host host) {
        HealthCheckSession s = sessions.get(host);
        return s != null && s.firstCheckPending();
    }

    /** The hosts it checks (those with active health checks disabled have no session). Upstream loop only. */
    int sessionCount() {
        return stopped ? 0 : sessions.size();
    }

    /** The hosts it checks, for which some checker of {@code all} has not answered its first check yet. Upstream loop only. */
    int firstChecksPending(List<HealthChecker> all) {
        if (stopped) {
            return 0;
        }
        int n = 0;
        for (Host h : sessions.keySet()) {
            for (HealthChecker c : all) {
                if (c.firstCheckPending(h)) {
                    n++;
                    break;
                }
            }
        }
        return n;
    }

    private Probe newProbe(Host h) {
        HealthCheckConfig.Checker c = config.checker();
        if (c instanceof HealthCheckConfig.Http http) {
            return http.http2() ? new Http2HttpProbe(this, h, http) : new HttpProbe(this, h, http);
        }
        if (c instanceof HealthCheckConfig.Tcp tcp) {
            return new TcpProbe(this, h, tcp);
        }
        if (c instanceof HealthCheckConfig.Custom custom) {
            return new CustomProbe(this, h, custom.check());
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
        if (c instanceof HealthCheckConfig.Custom custom) {
            return custom.check().type();
        }
        return c instanceof HealthCheckConfig.Http ? "HTTP" : c instanceof HealthCheckConfig.Tcp ? "TCP" : "GRPC";
    }

    /**
     * The next check's delay, Envoy's {@code HealthCheckerImplBase::interval}: by this check's
     * result, not the host's state. While results against the host's state are being counted
     * towards a threshold ({@code CHANGE_PENDING}) the edge interval of the result's side applies;
     * otherwise the plain one. Until the cluster has had traffic, {@code no_traffic_healthy_interval}
     * after a pass that changes nothing pending, else {@code no_traffic_interval}.
     */
    long intervalMillis(boolean checkFailed, Transition t) {
        HealthCheckConfig c = config;
        boolean pending = t == Transition.CHANGE_PENDING;
        Duration base;
        if (hadTraffic()) {
            if (checkFailed) {
                base = pending ? c.unhealthyEdgeInterval() : c.unhealthyInterval();
            } else {
                base = pending ? c.healthyEdgeInterval() : c.interval();
            }
        } else {
            base = !checkFailed && !pending ? c.noTrafficHealthyInterval() : c.noTrafficInterval();
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
        return bounded(ms);
    }

    /** Envoy's intervalWithJitter: the runtime's {@code health_check.min_interval}/{@code max_interval} bound every delay, never below 1 ms. */
    long bounded(long ms) {
        io.remora.runtime.Runtime rt = runtime.layeredRuntime();
        long capped = Math.min(ms, rt.getInteger("health_check.max_interval", Long.MAX_VALUE));
        return Math.max(1, Math.max(capped, rt.getInteger("health_check.min_interval", 0)));
    }

    /** Envoy's test: a connection made, or bytes sent or received without one (connectionless clusters). */
    private boolean hadTraffic() {
        return clusterStats.upstreamCxTotal.count() > 0 || clusterStats.upstreamCxTxBytesTotal.count() > 0
                || clusterStats.upstreamCxRxBytesTotal.count() > 0;
    }

    /** The cluster's checkers (this one among them), whose verdicts on a host combine. */
    List<HealthChecker> peers() {
        return peers;
    }

    /** This checker's session of {@code host}, or null. Upstream loop only. */
    HealthCheckSession session(Host host) {
        return sessions.get(host);
    }

    /** A host's health changed: the gauges are recounted and the cluster regroups its hosts. */
    void healthChanged() {
        recountHealthy();
        healthChanged.run();
    }

    /** A check passed: outlier detection may uneject the host. */
    void passed(Host host) {
        onSuccess.accept(host);
    }

    void logEvent(Host host, String field, String body, int fieldNumber) {
        if (events != null) {
            events.log(host, field, body, fieldNumber);
        }
    }
}

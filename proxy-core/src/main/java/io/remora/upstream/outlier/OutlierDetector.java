package io.remora.upstream.outlier;

import io.micrometer.core.instrument.MeterRegistry;
import io.remora.config.OutlierDetectionConfig;
import io.remora.upstream.EventLogFile;
import io.remora.upstream.HealthFlag;
import io.remora.upstream.Host;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Envoy's outlier detector for one cluster ({@code Outlier::DetectorImpl}). Hosts report results
 * through their {@link HostMonitor}; every decision (eject, uneject, success-rate sweep) runs on
 * one thread, the cluster manager's upstream thread, in the role of Envoy's main thread. The
 * detector is cluster-wide, as Envoy's is: one ejection state that every worker's picks see.
 */
public final class OutlierDetector {
    private static final Logger LOG = Logger.getLogger(OutlierDetector.class.getName());

    private final String clusterName;
    private final ScheduledExecutorService loop;
    private final Runnable healthChanged;
    private final OutlierStats stats;
    private final EventLogFile eventLog;
    private volatile OutlierDetectionConfig config;
    /** Upstream thread only. */
    private final Map<Host, HostMonitor> monitors = new IdentityHashMap<>();
    private ScheduledFuture<?> timer;
    private boolean stopped;
    private final double[] srAverage = {-1, -1};
    private final double[] srThreshold = {-1, -1};

    /**
     * @param healthChanged called (on the upstream thread) after a host was ejected or returned
     * @param eventLog      the outlier event log, or null
     */
    public OutlierDetector(String clusterName, OutlierDetectionConfig config, ScheduledExecutorService loop,
                           MeterRegistry registry, String statName, Runnable healthChanged, EventLogFile eventLog) {
        this.clusterName = clusterName;
        this.config = config;
        this.loop = loop;
        this.healthChanged = healthChanged;
        this.stats = OutlierStats.of(registry, statName);
        this.eventLog = eventLog;
    }

    public OutlierDetectionConfig config() {
        return config;
    }

    /** A new config for the same cluster; takes effect from the next interval. */
    public void config(OutlierDetectionConfig c) {
        this.config = c;
    }

    /** Starts the interval timer. */
    public void start() {
        loop.execute(this::armTimer);
    }

    public void stop() {
        loop.execute(() -> {
            stopped = true;
            if (timer != null) {
                timer.cancel(false);
            }
            for (HostMonitor m : monitors.values()) {
                m.host.outlier(null);
            }
            monitors.clear();
        });
    }

    private void armTimer() {
        if (!stopped) {
            timer = loop.schedule(this::onIntervalTimer, Math.max(1, config.interval().toMillis()), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * The cluster's current hosts (control thread, after a membership change). New hosts get a
     * monitor at once, so results reported before the upstream thread runs are not lost.
     */
    public void hostsChanged(List<Host> hosts) {
        List<HostMonitor> added = new ArrayList<>();
        for (Host h : hosts) {
            if (!(h.outlier() instanceof HostMonitor existing && existing.owner() == this)) {
                HostMonitor created = new HostMonitor(h, this);
                h.outlier(created);
                added.add(created);
            }
        }
        Set<Host> current = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        current.addAll(hosts);
        loop.execute(() -> {
            if (stopped) {
                return;
            }
            for (HostMonitor m : added) {
                monitors.put(m.host, m);
            }
            for (var it = monitors.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (!current.contains(e.getKey())) {
                    if (e.getKey().healthFlagGet(HealthFlag.FAILED_OUTLIER_CHECK)) {
                        stats.ejectionsActive.decrementAndGet();
                    }
                    it.remove();
                }
            }
        });
    }

    /** From any worker: a consecutive-error threshold was reached; decided on the upstream thread. */
    void onConsecutiveError(HostMonitor m, EjectionType type) {
        loop.execute(() -> {
            if (stopped || monitors.get(m.host) != m || m.host.healthFlagGet(HealthFlag.FAILED_OUTLIER_CHECK)) {
                return;
            }
            stats.detected(type);
            if (type == EjectionType.CONSECUTIVE_5XX) {
                stats.ejectionsConsecutive5xx.increment();
            }
            ejectHost(m, type, System.nanoTime());
            // Reset so a new bout of errors is detected even without an interleaved success.
            m.resetCounter(type);
        });
    }

    /**
     * A host passed an active health check: with {@code successful_active_health_check_uneject_host}
     * it returns at once (upstream thread).
     */
    public void onSuccessfulHealthCheck(Host host) {
        HostMonitor m = monitors.get(host);
        if (m != null && config.successfulActiveHealthCheckUnejectHost()
                && host.healthFlagGet(HealthFlag.FAILED_OUTLIER_CHECK)) {
            uneject(m, System.nanoTime());
            healthChanged.run();
        }
    }

    private void ejectHost(HostMonitor m, EjectionType type, long now) {
        OutlierDetectionConfig c = config;
        long active = stats.ejectionsActive.get();
        double ejectedPercent = 100.0 * (active + 1) / monitors.size();
        boolean allowed = ejectedPercent <= Math.min(100, c.maxEjectionPercent())
                || (c.alwaysEjectOneHost() && active == 0);
        if (!allowed) {
            stats.ejectionsOverflow.increment();
            return;
        }
        if (type == EjectionType.CONSECUTIVE_5XX || type == EjectionType.SUCCESS_RATE) {
            stats.ejectionsTotal.increment();
        }
        if (!enforced(c, type)) {
            log(m, type, false, now);
            return;
        }
        stats.ejectionsActive.incrementAndGet();
        stats.enforced(type);
        m.host.healthFlagSet(HealthFlag.FAILED_OUTLIER_CHECK);
        m.host.healthFailure.fire();
        m.numEjections++;
        m.lastEjectionNanos = now;
        long base = c.baseEjectionTime().toMillis();
        long max = c.maxEjectionTime().toMillis();
        // The multiplier stops growing once the ejection time has reached max_ejection_time.
        if ((long) m.ejectTimeBackoff * base < max + base) {
            m.ejectTimeBackoff++;
        }
        long jitterMax = c.maxEjectionTimeJitter().toMillis();
        m.jitterMillis = jitterMax > 0 ? ThreadLocalRandom.current().nextLong(jitterMax + 1) : 0;
        log(m, type, true, now);
        LOG.log(Level.FINE, () -> "cluster " + clusterName + ": ejected " + m.host + " (" + type + ")");
        healthChanged.run();
    }

    private static boolean enforced(OutlierDetectionConfig c, EjectionType type) {
        int percent = switch (type) {
            case CONSECUTIVE_5XX -> c.enforcingConsecutive5xx();
            case CONSECUTIVE_GATEWAY_FAILURE -> c.enforcingConsecutiveGatewayFailure();
            case SUCCESS_RATE -> c.enforcingSuccessRate();
            case CONSECUTIVE_LOCAL_ORIGIN_FAILURE -> c.enforcingConsecutiveLocalOriginFailure();
            case SUCCESS_RATE_LOCAL_ORIGIN -> c.enforcingLocalOriginSuccessRate();
            case FAILURE_PERCENTAGE -> c.enforcingFailurePercentage();
            case FAILURE_PERCENTAGE_LOCAL_ORIGIN -> c.enforcingFailurePercentageLocalOrigin();
        };
        return percent >= 100 || (percent > 0 && ThreadLocalRandom.current().nextInt(100) < percent);
    }

    private void uneject(HostMonitor m, long now) {
        stats.ejectionsActive.decrementAndGet();
        m.host.healthFlagClear(HealthFlag.FAILED_OUTLIER_CHECK);
        // Reset the counters so that a few new errors do not re-eject at once.
        m.resetConsecutive();
        m.lastUnejectionNanos = now;
        logUneject(m, now);
    }

    void onIntervalTimer() {
        if (stopped) {
            return;
        }
        long now = System.nanoTime();
        boolean changed = false;
        for (HostMonitor m : monitors.values()) {
            changed |= checkHostForUneject(m, now);
            m.external.swap();
            m.localOrigin.swap();
            m.successRate = -1;
            m.localOriginSuccessRate = -1;
        }
        if (changed) {
            healthChanged.run();
        }
        processSuccessRateEjections(false, now);
        processSuccessRateEjections(true, now);
        // As Envoy's onIntervalTimer, after the sweeps (a host they eject keeps its backoff) and only
        // for hosts back for a whole interval (one a health check let back just now keeps it too).
        long intervalNanos = config.interval().toNanos();
        for (HostMonitor m : monitors.values()) {
            if (m.ejectTimeBackoff > 0 && !m.host.healthFlagGet(HealthFlag.FAILED_OUTLIER_CHECK)
                    && m.lastUnejectionNanos >= 0 && now - m.lastUnejectionNanos >= intervalNanos) {
                m.ejectTimeBackoff--;
            }
        }
        armTimer();
    }

    private boolean checkHostForUneject(HostMonitor m, long now) {
        OutlierDetectionConfig c = config;
        if (!m.host.healthFlagGet(HealthFlag.FAILED_OUTLIER_CHECK)) {
            return false;
        }
        long base = c.baseEjectionTime().toMillis();
        long max = Math.max(c.maxEjectionTime().toMillis(), base);
        long ejectMillis = Math.min(base * m.ejectTimeBackoff, max) + m.jitterMillis;
        if (TimeUnit.NANOSECONDS.toMillis(now - m.lastEjectionNanos) >= ejectMillis) {
            uneject(m, now);
            return true;
        }
        return false;
    }

    private void processSuccessRateEjections(boolean local, long now) {
        OutlierDetectionConfig c = config;
        int idx = local ? 1 : 0;
        srAverage[idx] = -1;
        srThreshold[idx] = -1;
        int n = monitors.size();
        if (n < c.successRateMinimumHosts() && n < c.failurePercentageMinimumHosts()) {
            return;
        }
        List<HostMonitor> srHosts = new ArrayList<>();
        List<double[]> srValues = new ArrayList<>();
        List<HostMonitor> fpHosts = new ArrayList<>();
        List<Double> fpValues = new ArrayList<>();
        double sum = 0;
        for (HostMonitor m : monitors.values()) {
            if (m.host.healthFlagGet(HealthFlag.FAILED_OUTLIER_CHECK)) {
                continue;
            }
            SuccessRateAccumulator acc = m.accumulator(local);
            long volume = acc.volume();
            if (volume == 0) {
                continue;
            }
            double rate = acc.successRate();
            if (volume >= Math.min(c.successRateRequestVolume(), c.failurePercentageRequestVolume())) {
                if (local) {
                    m.localOriginSuccessRate = rate;
                } else {
                    m.successRate = rate;
                }
            }
            if (volume >= c.successRateRequestVolume()) {
                srHosts.add(m);
                srValues.add(new double[] {rate});
                sum += rate;
            }
            if (volume >= c.failurePercentageRequestVolume()) {
                fpHosts.add(m);
                fpValues.add(rate);
            }
        }
        if (!srHosts.isEmpty() && srHosts.size() >= c.successRateMinimumHosts()) {
            double mean = sum / srHosts.size();
            double variance = 0;
            for (double[] v : srValues) {
                variance += (v[0] - mean) * (v[0] - mean);
            }
            variance /= srHosts.size();
            double threshold = mean - (c.successRateStdevFactor() / 1000.0) * Math.sqrt(variance);
            srAverage[idx] = mean;
            srThreshold[idx] = threshold;
            EjectionType type = local ? EjectionType.SUCCESS_RATE_LOCAL_ORIGIN : EjectionType.SUCCESS_RATE;
            for (int i = 0; i < srHosts.size(); i++) {
                if (srValues.get(i)[0] < threshold) {
                    HostMonitor m = srHosts.get(i);
                    stats.detected(type);
                    if (type == EjectionType.SUCCESS_RATE) {
                        stats.ejectionsSuccessRate.increment();
                    }
                    ejectHost(m, type, now);
                }
            }
        }
        if (!fpHosts.isEmpty() && fpHosts.size() >= c.failurePercentageMinimumHosts()) {
            EjectionType type = local ? EjectionType.FAILURE_PERCENTAGE_LOCAL_ORIGIN : EjectionType.FAILURE_PERCENTAGE;
            for (int i = 0; i < fpHosts.size(); i++) {
                HostMonitor m = fpHosts.get(i);
                if (100.0 - fpValues.get(i) >= c.failurePercentageThreshold()
                        && !m.host.healthFlagGet(HealthFlag.FAILED_OUTLIER_CHECK)) {
                    stats.detected(type);
                    ejectHost(m, type, now);
                }
            }
        }
    }

    // ---- event log: envoy.data.cluster.v3.OutlierDetectionEvent as proto3 JSON, Envoy's field names

    private void log(HostMonitor m, EjectionType type, boolean enforced, long now) {
        if (eventLog == null) {
            return;
        }
        StringBuilder sb = common(m, type, m.lastUnejectionNanos, now);
        sb.append(",\"action\":\"EJECT\",\"num_ejections\":").append(m.numEjections)
                .append(",\"enforced\":").append(enforced);
        int idx = type.localOrigin() ? 1 : 0;
        double hostRate = type.localOrigin() ? m.localOriginSuccessRate : m.successRate;
        switch (type) {
            case SUCCESS_RATE, SUCCESS_RATE_LOCAL_ORIGIN -> sb.append(",\"eject_success_rate_event\":{")
                    .append("\"host_success_rate\":").append((long) hostRate)
                    .append(",\"cluster_average_success_rate\":").append((long) srAverage[idx])
                    .append(",\"cluster_success_rate_ejection_threshold\":").append((long) srThreshold[idx]).append('}');
            case FAILURE_PERCENTAGE, FAILURE_PERCENTAGE_LOCAL_ORIGIN -> sb.append(",\"eject_failure_percentage_event\":{")
                    .append("\"host_success_rate\":").append((long) hostRate).append('}');
            default -> sb.append(",\"eject_consecutive_event\":{}");
        }
        eventLog.write(sb.append('}').toString());
    }

    private void logUneject(HostMonitor m, long now) {
        if (eventLog == null) {
            return;
        }
        // Envoy leaves the type at its default (CONSECUTIVE_5XX) in uneject events.
        StringBuilder sb = common(m, EjectionType.CONSECUTIVE_5XX, m.lastEjectionNanos, now);
        sb.append(",\"action\":\"UNEJECT\",\"num_ejections\":").append(m.numEjections).append(",\"enforced\":false}");
        eventLog.write(sb.toString());
    }

    private StringBuilder common(HostMonitor m, EjectionType type, long sinceNanos, long now) {
        StringBuilder sb = new StringBuilder(256);
        sb.append("{\"type\":\"").append(type.name()).append("\",\"timestamp\":\"")
                .append(EventLogFile.timestamp(System.currentTimeMillis())).append('"');
        if (sinceNanos >= 0) {
            sb.append(",\"secs_since_last_action\":\"").append(TimeUnit.NANOSECONDS.toSeconds(now - sinceNanos)).append('"');
        }
        sb.append(",\"cluster_name\":");
        io.remora.util.JsonStrings.quote(sb, clusterName);
        sb.append(",\"upstream_url\":");
        io.remora.util.JsonStrings.quote(sb, m.host.addressString());
        return sb;
    }
}

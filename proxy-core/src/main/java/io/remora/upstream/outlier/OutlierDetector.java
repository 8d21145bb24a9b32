package io.remora.upstream.outlier;

import io.micrometer.core.instrument.MeterRegistry;
import io.remora.config.OutlierDetectionConfig;
import io.remora.runtime.Runtime;
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
import java.util.function.Supplier;
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
    /** Null without an event log. */
    private final OutlierEventLog eventLog;
    private final OutlierSettings settings;
    /** Upstream thread only. */
    private final Map<Host, HostMonitor> monitors = new IdentityHashMap<>();
    private ScheduledFuture<?> timer;
    private boolean stopped;
    /** Written on the upstream thread at each interval, read by the admin's /clusters. */
    private volatile double[] srAverage = {-1, -1};
    private volatile double[] srThreshold = {-1, -1};

    /**
     * @param healthChanged called (on the upstream thread) after a host was ejected or returned
     * @param eventLog      the outlier event log, or null
     * @param runtime       the layered runtime now, whose {@code outlier_detection.*} keys override the config
     */
    public OutlierDetector(String clusterName, OutlierDetectionConfig config, ScheduledExecutorService loop,
                           MeterRegistry registry, String statName, Runnable healthChanged, EventLogFile eventLog,
                           Supplier<Runtime> runtime) {
        this.clusterName = clusterName;
        this.settings = new OutlierSettings(runtime, config);
        this.loop = loop;
        this.healthChanged = healthChanged;
        this.stats = OutlierStats.of(registry, statName);
        this.eventLog = eventLog == null ? null : new OutlierEventLog(clusterName, eventLog);
    }

    public OutlierDetectionConfig config() {
        return settings.config();
    }

    /** A new config for the same cluster; takes effect from the next interval. */
    public void config(OutlierDetectionConfig c) {
        settings.config(c);
    }

    /** The config's values under the runtime's overrides. */
    OutlierSettings settings() {
        return settings;
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
            timer = loop.schedule(this::onIntervalTimer, Math.max(1, settings.intervalMillis()), TimeUnit.MILLISECONDS);
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
     * it returns at once if the active checks hold it healthy (upstream thread).
     */
    public void onSuccessfulHealthCheck(Host host) {
        HostMonitor m = monitors.get(host);
        if (m != null && settings.config().successfulActiveHealthCheckUnejectHost()
                && !host.healthFlagGet(HealthFlag.FAILED_ACTIVE_HC)
                && host.healthFlagGet(HealthFlag.FAILED_OUTLIER_CHECK)) {
            uneject(m, System.nanoTime());
            healthChanged.run();
        }
    }

    private void ejectHost(HostMonitor m, EjectionType type, long now) {
        long active = stats.ejectionsActive.get();
        double ejectedPercent = 100.0 * (active + 1) / monitors.size();
        boolean allowed = ejectedPercent <= settings.maxEjectionPercent()
                || (settings.config().alwaysEjectOneHost() && active == 0);
        if (!allowed) {
            stats.ejectionsOverflow.increment();
            return;
        }
        if (type == EjectionType.CONSECUTIVE_5XX || type == EjectionType.SUCCESS_RATE) {
            stats.ejectionsTotal.increment();
        }
        if (!settings.enforced(type)) {
            logEject(m, type, false, now);
            return;
        }
        stats.ejectionsActive.incrementAndGet();
        stats.enforced(type);
        m.host.healthFlagSet(HealthFlag.FAILED_OUTLIER_CHECK);
        m.host.healthFailure.fire();
        m.numEjections++;
        m.lastEjectionNanos = now;
        long base = settings.baseEjectionMillis();
        long max = settings.maxEjectionMillis();
        // The multiplier stops growing once the ejection time has reached max_ejection_time.
        if ((long) m.ejectTimeBackoff * base < max + base) {
            m.ejectTimeBackoff++;
        }
        long jitterMax = settings.maxEjectionJitterMillis();
        m.jitterMillis = jitterMax > 0 ? ThreadLocalRandom.current().nextLong(jitterMax + 1) : 0;
        logEject(m, type, true, now);
        LOG.log(Level.FINE, () -> "cluster " + clusterName + ": ejected " + m.host + " (" + type + ")");
        healthChanged.run();
    }

    private void uneject(HostMonitor m, long now) {
        stats.ejectionsActive.decrementAndGet();
        m.host.healthFlagClear(HealthFlag.FAILED_OUTLIER_CHECK);
        // Reset the counters so that a few new errors do not re-eject at once.
        m.resetConsecutive();
        m.lastUnejectionNanos = now;
        if (eventLog != null) {
            eventLog.uneject(m, now);
        }
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
        long intervalNanos = TimeUnit.MILLISECONDS.toNanos(settings.intervalMillis());
        for (HostMonitor m : monitors.values()) {
            if (m.ejectTimeBackoff > 0 && !m.host.healthFlagGet(HealthFlag.FAILED_OUTLIER_CHECK)
                    && m.lastUnejectionNanos >= 0 && now - m.lastUnejectionNanos >= intervalNanos) {
                m.ejectTimeBackoff--;
            }
        }
        armTimer();
    }

    private boolean checkHostForUneject(HostMonitor m, long now) {
        if (!m.host.healthFlagGet(HealthFlag.FAILED_OUTLIER_CHECK)) {
            return false;
        }
        long base = settings.baseEjectionMillis();
        long max = settings.maxEjectionMillis();
        long ejectMillis = Math.min(base * m.ejectTimeBackoff, max) + m.jitterMillis;
        if (TimeUnit.NANOSECONDS.toMillis(now - m.lastEjectionNanos) >= ejectMillis) {
            uneject(m, now);
            return true;
        }
        return false;
    }

    private void processSuccessRateEjections(boolean local, long now) {
        long srMinimumHosts = settings.successRateMinimumHosts();
        long srVolume = settings.successRateRequestVolume();
        long fpMinimumHosts = settings.failurePercentageMinimumHosts();
        long fpVolume = settings.failurePercentageRequestVolume();
        int idx = local ? 1 : 0;
        srAverage = with(srAverage, idx, -1);
        srThreshold = with(srThreshold, idx, -1);
        int n = monitors.size();
        if (n < srMinimumHosts && n < fpMinimumHosts) {
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
            if (volume >= Math.min(srVolume, fpVolume)) {
                if (local) {
                    m.localOriginSuccessRate = rate;
                } else {
                    m.successRate = rate;
                }
            }
            if (volume >= srVolume) {
                srHosts.add(m);
                srValues.add(new double[] {rate});
                sum += rate;
            }
            if (volume >= fpVolume) {
                fpHosts.add(m);
                fpValues.add(rate);
            }
        }
        if (!srHosts.isEmpty() && srHosts.size() >= srMinimumHosts) {
            double mean = sum / srHosts.size();
            double variance = 0;
            for (double[] v : srValues) {
                variance += (v[0] - mean) * (v[0] - mean);
            }
            variance /= srHosts.size();
            double threshold = mean - (settings.successRateStdevFactor() / 1000.0) * Math.sqrt(variance);
            srAverage = with(srAverage, idx, mean);
            srThreshold = with(srThreshold, idx, threshold);
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
        if (!fpHosts.isEmpty() && fpHosts.size() >= fpMinimumHosts) {
            EjectionType type = local ? EjectionType.FAILURE_PERCENTAGE_LOCAL_ORIGIN : EjectionType.FAILURE_PERCENTAGE;
            long failureThreshold = settings.failurePercentageThreshold();
            for (int i = 0; i < fpHosts.size(); i++) {
                HostMonitor m = fpHosts.get(i);
                if (100.0 - fpValues.get(i) >= failureThreshold
                        && !m.host.healthFlagGet(HealthFlag.FAILED_OUTLIER_CHECK)) {
                    stats.detected(type);
                    ejectHost(m, type, now);
                }
            }
        }
    }

    /**
     * The last interval's success rate average over the hosts with enough volume, external or
     * local origin; -1 when that interval had too few (Envoy's successRateAverage).
     */
    public double successRateAverage(boolean localOrigin) {
        return srAverage[localOrigin ? 1 : 0];
    }

    /** The last interval's success rate ejection threshold, -1 when none was computed. */
    public double successRateEjectionThreshold(boolean localOrigin) {
        return srThreshold[localOrigin ? 1 : 0];
    }

    private static double[] with(double[] a, int idx, double v) {
        double[] b = a.clone();
        b[idx] = v;
        return b;
    }

    private void logEject(HostMonitor m, EjectionType type, boolean enforced, long now) {
        if (eventLog != null) {
            int idx = type.localOrigin() ? 1 : 0;
            eventLog.eject(m, type, enforced, now, srAverage[idx], srThreshold[idx]);
        }
    }
}

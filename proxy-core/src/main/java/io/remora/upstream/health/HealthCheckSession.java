package io.remora.upstream.health;

import io.remora.upstream.Host;
import io.remora.upstream.HealthFlag;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One host's checks by one checker (Envoy's {@code ActiveHealthCheckSession}): the timers, the
 * thresholds, the flags this checker raises on the host, and the event log. Upstream loop only.
 */
final class HealthCheckSession implements Probe.Outcome {
    private static final Logger LOG = Logger.getLogger(HealthChecker.class.getName());

    private final HealthChecker checker;
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

    HealthCheckSession(HealthChecker checker, Host host, Probe probe) {
        this.checker = checker;
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
        for (HealthChecker c : checker.peers()) {
            HealthCheckSession s = c == checker ? null : c.session(host);
            if (s != null && s.own(f)) {
                return true;
            }
        }
        return false;
    }

    /** Whether its first check has not finished yet. */
    boolean firstCheckPending() {
        return firstCheck && !stopped;
    }

    void start() {
        long initial = checker.config.initialJitter().toMillis();
        // Without initial_jitter the first check runs at once; with it, as any interval (Envoy's onInitialInterval).
        long delay = initial > 0 ? checker.bounded(ThreadLocalRandom.current().nextLong(initial)) : 0;
        intervalTimer = checker.loop.schedule(this::check, delay, TimeUnit.MILLISECONDS);
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
        checker.stats.attempt.increment();
        timeoutTimer = checker.loop.schedule(this::onTimeout, Math.max(1, checker.config.timeout().toMillis()), TimeUnit.MILLISECONDS);
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
        checker.stats.success.increment();
        numUnhealthy = 0;
        HealthChecker.Transition t = HealthChecker.Transition.UNCHANGED;
        if (own(HealthFlag.FAILED_ACTIVE_HC)) {
            // Before the host turns healthy, so the host set rebuilt for it ramps it from now.
            host.activeHealthCheckPassed();
            // The very first result moves a host to healthy at once (faster start-up, as Envoy).
            if (firstCheck || ++numHealthy == checker.config.healthyThreshold()) {
                own(HealthFlag.ACTIVE_HC_TIMEOUT, false);
                own(HealthFlag.FAILED_ACTIVE_HC, false);
                own(HealthFlag.EXCLUDED_VIA_IMMEDIATE_HC_FAIL, false);
                t = HealthChecker.Transition.CHANGED;
                logEvent("add_healthy_event", "{\"first_check\":" + firstCheck + "}", 5);
            } else {
                t = HealthChecker.Transition.CHANGE_PENDING;
            }
        }
        if (t != HealthChecker.Transition.CHANGED && checker.config.alwaysLogHealthCheckSuccess()) {
            // As Envoy's handleSuccess: a check that brought the host back logs add_healthy_event only.
            logEvent("successful_health_check_event", "{}", 12);
        }
        t = clearPending(t);
        if (degraded != own(HealthFlag.DEGRADED_ACTIVE_HC)) {
            own(HealthFlag.DEGRADED_ACTIVE_HC, degraded);
            if (degraded) {
                logEvent("degraded_healthy_host", "{}", 8);
            } else {
                logEvent("no_longer_degraded_host", "{}", 9);
            }
            // A degraded change makes a transition, but keeps one still pending pending (Envoy's handleSuccess).
            if (t == HealthChecker.Transition.UNCHANGED) {
                t = HealthChecker.Transition.CHANGED;
            }
        }
        firstCheck = false;
        done(false, t);
        checker.passed(host);
        checker.checkCompleted(host);
    }

    @Override
    public void failure(Probe.FailureType type, boolean retriable) {
        if (!finishCheck()) {
            return;
        }
        // Counted before the host's flags change: whoever sees the host ejected sees its failures.
        checker.stats.failure.increment();
        if (type == Probe.FailureType.NETWORK || type == Probe.FailureType.NETWORK_TIMEOUT) {
            checker.stats.networkFailure.increment();
        } else if (type == Probe.FailureType.PASSIVE) {
            checker.stats.passiveFailure.increment();
        }
        numHealthy = 0;
        HealthChecker.Transition t = HealthChecker.Transition.UNCHANGED;
        if (!own(HealthFlag.FAILED_ACTIVE_HC)) {
            if ((!retriable && type == Probe.FailureType.ACTIVE) || ++numUnhealthy == checker.config.unhealthyThreshold()) {
                t = HealthChecker.Transition.CHANGED;
                if (own(HealthFlag.FAILED_ACTIVE_HC, true)) {
                    host.healthFailure.fire();
                }
                logEvent("eject_unhealthy_event", "{\"failure_type\":\"" + type + "\"}", 4);
            } else {
                t = HealthChecker.Transition.CHANGE_PENDING;
            }
        }
        // Why a failed host's last check failed, as Envoy's setUnhealthy keeps it: set on a timeout
        // once the host is failed (not while failures are still counted), cleared otherwise.
        own(HealthFlag.ACTIVE_HC_TIMEOUT,
                type == Probe.FailureType.NETWORK_TIMEOUT && own(HealthFlag.FAILED_ACTIVE_HC));
        t = clearPending(t);
        if ((firstCheck || checker.config.alwaysLogHealthCheckFailures())) {
            logEvent("health_check_failure_event",
                    "{\"failure_type\":\"" + type + "\",\"first_check\":" + firstCheck + "}", 7);
        }
        firstCheck = false;
        done(true, t);
        checker.checkCompleted(host);
    }

    /**
     * Envoy's setUnhealthy(PASSIVE, non-retriable) from the host monitor: a failure that ends the
     * first check as a checked one does (the next pass needs {@code healthy_threshold}), clears the
     * timeout and pending flags, and leaves the timer as it is.
     */
    @Override
    public void excludeViaImmediateFail() {
        if (inFlight && !stopped) {
            own(HealthFlag.EXCLUDED_VIA_IMMEDIATE_HC_FAIL, true);
        }
    }

    void immediateFail() {
        checker.stats.failure.increment();
        checker.stats.passiveFailure.increment();
        boolean changed = own(HealthFlag.EXCLUDED_VIA_IMMEDIATE_HC_FAIL, true);
        numHealthy = 0;
        HealthChecker.Transition t = HealthChecker.Transition.UNCHANGED;
        if (!own(HealthFlag.FAILED_ACTIVE_HC)) {
            t = HealthChecker.Transition.CHANGED;
            if (own(HealthFlag.FAILED_ACTIVE_HC, true)) {
                host.healthFailure.fire();
            }
            logEvent("eject_unhealthy_event", "{\"failure_type\":\"PASSIVE\"}", 4);
        }
        changed |= own(HealthFlag.ACTIVE_HC_TIMEOUT, false);
        t = clearPending(t);
        if (firstCheck || checker.config.alwaysLogHealthCheckFailures()) {
            logEvent("health_check_failure_event", "{\"failure_type\":\"PASSIVE\",\"first_check\":" + firstCheck + "}", 7);
        }
        firstCheck = false;
        if (changed || t == HealthChecker.Transition.CHANGED) {
            checker.healthChanged();
        }
        checker.checkCompleted(host);
    }

    private HealthChecker.Transition clearPending(HealthChecker.Transition t) {
        if (host.healthFlagGet(HealthFlag.PENDING_ACTIVE_HC)) {
            host.healthFlagClear(HealthFlag.PENDING_ACTIVE_HC);
            return HealthChecker.Transition.CHANGED;
        }
        return t;
    }

    private void done(boolean failed, HealthChecker.Transition t) {
        if (t == HealthChecker.Transition.CHANGED) {
            checker.healthChanged();
        }
        intervalTimer = checker.loop.schedule(this::check, checker.intervalMillis(failed, t), TimeUnit.MILLISECONDS);
    }

    private void logEvent(String field, String body, int fieldNumber) {
        checker.logEvent(host, field, body, fieldNumber);
    }
}

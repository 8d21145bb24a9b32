package io.remora.xds.translate;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.bootstrap.v3.Watchdog;
import io.remora.config.WatchdogConfig;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The bootstrap's {@code watchdogs} (or the deprecated {@code watchdog}, then for both guard dogs)
 * as Envoy's {@code MainImpl::initializeWatchdogs} reads them; unset fields take Envoy's defaults.
 */
public final class WatchdogTranslator {
    static final String ABORT_ACTION = "envoy.watchdog.v3.AbortActionConfig";

    private WatchdogTranslator() {
    }

    /** The main thread's and the workers' guard dog configs. */
    public record Watchdogs(WatchdogConfig mainThread, WatchdogConfig workers) {
    }

    @SuppressWarnings("deprecation")
    public static Watchdogs translate(Bootstrap b, TranslationContext ctx) {
        if (b.hasWatchdog() && b.hasWatchdogs()) {
            throw FieldPath.of("watchdog").error("Only one of watchdog or watchdogs should be set!");
        }
        if (b.hasWatchdog()) {
            WatchdogConfig both = watchdog(b.getWatchdog(), FieldPath.of("watchdog"), ctx);
            return new Watchdogs(both, both);
        }
        FieldPath p = FieldPath.of("watchdogs");
        return new Watchdogs(watchdog(b.getWatchdogs().getMainThreadWatchdog(), p.field("main_thread_watchdog"), ctx),
                watchdog(b.getWatchdogs().getWorkerWatchdog(), p.field("worker_watchdog"), ctx));
    }

    static WatchdogConfig watchdog(Watchdog w, FieldPath path, TranslationContext ctx) {
        WatchdogConfig.Builder b = WatchdogConfig.builder();
        if (w.hasMissTimeout()) {
            b.missTimeout(nonNegative(w.getMissTimeout(), path.field("miss_timeout")));
        }
        if (w.hasMegamissTimeout()) {
            b.megamissTimeout(nonNegative(w.getMegamissTimeout(), path.field("megamiss_timeout")));
        }
        Duration kill = w.hasKillTimeout() ? nonNegative(w.getKillTimeout(), path.field("kill_timeout")) : Duration.ZERO;
        Duration jitter = w.hasMaxKillTimeoutJitter()
                ? nonNegative(w.getMaxKillTimeoutJitter(), path.field("max_kill_timeout_jitter")) : Duration.ZERO;
        if (kill.toMillis() > 0 && jitter.toMillis() > 0) {
            // Envoy adds a random (0, max_kill_timeout_jitter] so a fleet does not abort in step.
            kill = kill.plusMillis(ThreadLocalRandom.current().nextLong(jitter.toMillis()) + 1);
        }
        b.killTimeout(Duration.ofMillis(kill.toMillis()));
        if (w.hasMultikillTimeout()) {
            b.multikillTimeout(Duration.ofMillis(nonNegative(w.getMultikillTimeout(), path.field("multikill_timeout")).toMillis()));
        }
        if (w.hasMultikillThreshold()) {
            double percent = w.getMultikillThreshold().getValue();
            if (!(percent >= 0 && percent <= 100)) {
                throw path.field("multikill_threshold").field("value").error("must be between 0 and 100, got " + percent);
            }
            b.multikillThreshold(percent);
        }
        for (int i = 0; i < w.getActionsCount(); i++) {
            action(w.getActions(i), path.field("actions").index(i), b, ctx);
        }
        return b.build();
    }

    private static void action(Watchdog.WatchdogAction a, FieldPath path, WatchdogConfig.Builder b,
                               TranslationContext ctx) {
        String type = Protos.typeName(a.getConfig().getTypedConfig());
        if (!type.equals(ABORT_ACTION)) {
            ctx.warnOnce("watchdog.action:" + type, "watchdog action " + type + " is not built; ignoring " + path
                    + " (only " + ABORT_ACTION + " is)");
            return;
        }
        Protos.unpack(a.getConfig().getTypedConfig(), io.envoyproxy.envoy.watchdog.v3.AbortActionConfig.class,
                path.field("config").field("typed_config"));
        switch (a.getEvent()) {
            case MISS -> b.abortOn(WatchdogConfig.Event.MISS);
            case MEGAMISS -> b.abortOn(WatchdogConfig.Event.MEGAMISS);
            case KILL -> b.abortOn(WatchdogConfig.Event.KILL);
            case MULTIKILL -> b.abortOn(WatchdogConfig.Event.MULTIKILL);
            default -> {
                // UNKNOWN: Envoy registers the action under an event the guard dog never raises.
            }
        }
    }

    private static Duration nonNegative(com.google.protobuf.Duration d, FieldPath path) {
        Duration v = Protos.duration(d);
        if (v.isNegative()) {
            throw path.error("must not be negative");
        }
        return v;
    }
}

package io.remora.config;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * One guard dog's {@code config.bootstrap.v3.Watchdog}: how long an event loop may go without
 * checking in before it counts a miss, a mega miss, or takes the process down.
 *
 * @param missTimeout         a loop silent this long counts one {@code watchdog_miss}
 * @param megamissTimeout     ... one {@code watchdog_mega_miss}
 * @param killTimeout         one loop silent this long aborts the process; zero: never
 * @param multikillTimeout    with {@code multikillThreshold}: several loops silent this long abort; zero: never
 * @param multikillThreshold  percent of the watched loops that must be stuck for a multikill (at least two)
 * @param abortOn             events whose {@code abort_action} aborts the process besides kill and multikill
 */
public record WatchdogConfig(Duration missTimeout, Duration megamissTimeout, Duration killTimeout,
                             Duration multikillTimeout, double multikillThreshold, Set<Event> abortOn) {

    /** Envoy's {@code WatchDogAction.WatchdogEvent}. */
    public enum Event { MISS, MEGAMISS, KILL, MULTIKILL }

    /** Envoy's defaults: miss 200 ms, mega miss 1 s, no kill. */
    public static final WatchdogConfig DEFAULTS = builder().build();

    public WatchdogConfig {
        abortOn = Set.copyOf(abortOn);
    }

    public boolean killEnabled() {
        return killTimeout.toMillis() > 0;
    }

    public boolean multikillEnabled() {
        return multikillTimeout.toMillis() > 0;
    }

    /** How often the guard dog looks: the shortest of the timeouts in force (Envoy's loop interval). */
    public Duration loopInterval() {
        Duration min = missTimeout.compareTo(megamissTimeout) <= 0 ? missTimeout : megamissTimeout;
        if (killEnabled() && killTimeout.compareTo(min) < 0) {
            min = killTimeout;
        }
        if (multikillEnabled() && multikillTimeout.compareTo(min) < 0) {
            min = multikillTimeout;
        }
        return min;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private Duration miss = Duration.ofMillis(200);
        private Duration megamiss = Duration.ofSeconds(1);
        private Duration kill = Duration.ZERO;
        private Duration multikill = Duration.ZERO;
        private double multikillThreshold;
        private final Set<Event> abortOn = EnumSet.noneOf(Event.class);

        public Builder missTimeout(Duration d) {
            miss = d;
            return this;
        }

        public Builder megamissTimeout(Duration d) {
            megamiss = d;
            return this;
        }

        public Builder killTimeout(Duration d) {
            kill = d;
            return this;
        }

        public Builder multikillTimeout(Duration d) {
            multikill = d;
            return this;
        }

        public Builder multikillThreshold(double percent) {
            multikillThreshold = percent;
            return this;
        }

        public Builder abortOn(Event e) {
            abortOn.add(e);
            return this;
        }

        public WatchdogConfig build() {
            return new WatchdogConfig(miss, megamiss, kill, multikill, multikillThreshold, abortOn);
        }
    }
}

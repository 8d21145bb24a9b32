package io.remora.upstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/** Envoy's priority load (LoadBalancerBase) over levels given by their host counts. */
class PriorityLoadTest {

    /** Levels of {healthy, degraded, total} hosts, 140% overprovisioning, the default 50% panic threshold. */
    private static PriorityLoad load(double panicThreshold, int[]... levels) {
        int n = levels.length;
        int[] health = new int[n];
        int[] degraded = new int[n];
        int[] sizes = new int[n];
        int[] available = new int[n];
        for (int l = 0; l < n; l++) {
            health[l] = PriorityLoad.availability(140, levels[l][0], levels[l][2]);
            degraded[l] = PriorityLoad.availability(140, levels[l][1], levels[l][2]);
            sizes[l] = levels[l][2];
            available[l] = levels[l][0] + levels[l][1];
        }
        return PriorityLoad.compute(health, degraded, sizes, available, panicThreshold);
    }

    private static PriorityLoad load(int[]... levels) {
        return load(50, levels);
    }

    @Test
    void allHealthyLevelZeroTakesEverything() {
        assertArrayEquals(new int[] {100, 100, 100, 100}, load(new int[] {2, 0, 2}, new int[] {2, 0, 2}).cumulative);
    }

    @Test
    void overprovisionedHealthSpillsTheRestToTheNextLevel() {
        // 1 of 2 healthy: 140% * 1/2 = 70 to L0, 30 to L1.
        assertArrayEquals(new int[] {70, 100, 100, 100}, load(new int[] {1, 0, 2}, new int[] {2, 0, 2}).cumulative);
        // 3 of 4 healthy: 105, capped at 100.
        assertArrayEquals(new int[] {100, 100, 100, 100}, load(new int[] {3, 0, 4}, new int[] {2, 0, 2}).cumulative);
    }

    @Test
    void anUnhealthyLevelGetsNothing() {
        PriorityLoad l = load(new int[] {0, 0, 1}, new int[] {1, 0, 1});
        assertArrayEquals(new int[] {0, 100, 100, 100}, l.cumulative);
        // The total is 100: no panic even though L0 has no healthy host.
        assertArrayEquals(new boolean[] {false, false}, l.panic);
    }

    @Test
    void degradedHostsTakeOnlyWhatHealthyHostsLeave() {
        // L0 all degraded, L1 all healthy: healthy hosts cover 100%, the degraded ones get nothing.
        assertArrayEquals(new int[] {0, 100, 100, 100}, load(new int[] {0, 2, 2}, new int[] {2, 0, 2}).cumulative);
        // L0 1 degraded of 2 (70), L1 nothing: the degraded load is scaled up to 100.
        assertArrayEquals(new int[] {0, 0, 100, 100}, load(new int[] {0, 1, 2}, new int[] {0, 0, 2}).cumulative);
    }

    @Test
    void belowTotalAvailabilityLoadIsScaled() {
        // 35 + 35 = 70 available: each level gets half.
        PriorityLoad l = load(new int[] {1, 0, 4}, new int[] {1, 0, 4});
        assertArrayEquals(new boolean[] {true, true}, l.panic);
        // Every level in panic: the load follows host counts (4 and 4).
        assertArrayEquals(new int[] {50, 100, 100, 100}, l.cumulative);
    }

    @Test
    void onlyLevelsBelowThePanicThresholdPanic() {
        // L0 1 of 4 (35), L1 1 of 2 (70): 105 capped at 100 -> no panic at all.
        assertArrayEquals(new boolean[] {false, false}, load(new int[] {1, 0, 4}, new int[] {1, 0, 2}).panic);
        // L0 1 of 4 (35), L1 3 of 10 (42): total 77, both below 50% -> both panic, load by host counts 4:10.
        PriorityLoad l = load(new int[] {1, 0, 4}, new int[] {3, 0, 10});
        assertArrayEquals(new boolean[] {true, true}, l.panic);
        assertArrayEquals(new int[] {29, 100, 100, 100}, l.cumulative);
        // L0 2 of 4 (70, not below 50%), L1 0 of 2: total 70, only L1 panics; load by health.
        l = load(new int[] {2, 0, 4}, new int[] {0, 0, 2});
        assertArrayEquals(new boolean[] {false, true}, l.panic);
        assertArrayEquals(new int[] {100, 100, 100, 100}, l.cumulative);
    }

    @Test
    void panicDisabledAndNothingAvailablePutsTheLoadOnLevelZero() {
        PriorityLoad l = load(0, new int[] {0, 0, 2}, new int[] {0, 0, 2});
        assertArrayEquals(new boolean[] {false, false}, l.panic);
        assertArrayEquals(new int[] {100, 100, 100, 100}, l.cumulative);
    }

    @Test
    void previousPrioritiesExcludesTriedLevels() {
        int[] health = {100, 100, 100};
        int[] degraded = {0, 0, 0};
        int[] original = {100, 100, 100, 100, 100, 100};
        assertArrayEquals(new int[] {0, 100, 100, 100, 100, 100},
                PriorityLoad.excluding(health, degraded, 0b001, original));
        assertArrayEquals(new int[] {0, 0, 100, 100, 100, 100},
                PriorityLoad.excluding(health, degraded, 0b011, original));
        // Nothing left: the original load.
        assertArrayEquals(original, PriorityLoad.excluding(health, degraded, 0b111, original));
    }

    @Test
    void forcedLoadPutsEveryPickOnOneSlot() {
        assertArrayEquals(new int[] {0, 100, 100, 100, 100, 100}, PriorityLoad.forced(3, 1, false));
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 100}, PriorityLoad.forced(3, 2, true));
    }
}

package io.remora.route;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A few seconds of {@link RouteFuzzer} on every build; the seed is printed to replay a failure. */
class RouteMatcherFuzzTest {

    @Test
    void routeLookupsAndRewritesNeverThrow() {
        long seed = System.nanoTime();
        RouteFuzzer.Report r = RouteFuzzer.run(Duration.ofSeconds(3), seed);
        System.out.println("route fuzz seed " + seed + ": " + r);
        assertTrue(r.lookups() > 1000 && r.matched() > 0, "seed " + seed + ": " + r);
    }
}

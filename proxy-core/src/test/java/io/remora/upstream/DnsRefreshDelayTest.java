package io.remora.upstream;

import io.remora.config.ClusterConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When a DNS cluster's name resolves again after a successful resolution: the TTL or the rate, plus dns_jitter. */
class DnsRefreshDelayTest {

    static final Duration TTL = Duration.ofSeconds(3);

    @Test
    void theRateOrTheTtlWithoutJitter() {
        assertEquals(5000, DnsRefreshTask.afterSuccess(ClusterConfig.builder("c").build(), TTL, 5000));
        assertEquals(3000, DnsRefreshTask.afterSuccess(ClusterConfig.builder("c").respectDnsTtl(true).build(),
                TTL, 5000));
    }

    @Test
    void aTtlOfZeroOrUnknownLeavesTheRate() {
        ClusterConfig c = ClusterConfig.builder("c").respectDnsTtl(true).build();
        assertEquals(5000, DnsRefreshTask.afterSuccess(c, Duration.ZERO, 5000));
        assertEquals(5000, DnsRefreshTask.afterSuccess(c, null, 5000));
    }

    @Test
    void jitterAddsARandomPartBelowIt() {
        ClusterConfig c = ClusterConfig.builder("c").dnsJitter(Duration.ofMillis(1000)).build();
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (int i = 0; i < 200; i++) {
            long d = DnsRefreshTask.afterSuccess(c, TTL, 5000);
            min = Math.min(min, d);
            max = Math.max(max, d);
        }
        assertTrue(min >= 5000 && max < 6000, min + ".." + max);
        assertTrue(max - min > 100, "spread over the jitter: " + min + ".." + max);
    }
}

package io.remora.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** /stats names of the fault and local rate limit filters' meters, as Envoy prints them. */
class FilterStatNamesTest {

    private static String name(String metric, String... tags) {
        return StatNames.envoyName(Counter.builder(metric).tags(tags).register(new SimpleMeterRegistry()).getId());
    }

    @Test
    void faultStatsLiveUnderTheConnectionManager() {
        assertEquals("http.ingress.fault.aborts_injected",
                name("envoy_http_fault_aborts_injected", HttpConnManagerStats.TAG, "ingress"));
        assertEquals("http.ingress.fault.frontend.delays_injected", name("envoy_http_fault_delays_injected",
                HttpConnManagerStats.TAG, "ingress", "envoy_fault_downstream_cluster", "frontend"));
    }

    @Test
    void localRateLimitPrefixes() {
        assertEquals("rl.http_local_rate_limit.rate_limited",
                name("envoy_http_local_rate_limit_rate_limited", "envoy_local_http_ratelimit_prefix", "rl"));
        assertEquals("local_rate_limit.tcp.rate_limited",
                name("envoy_local_rate_limit_rate_limited", "envoy_local_network_ratelimit_prefix", "tcp"));
    }
}

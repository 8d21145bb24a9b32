package io.remora.xds.translate;

import io.remora.config.FilterChainConfig;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.OverloadManagerConfig;
import io.remora.config.OverloadManagerConfig.TimerType;
import io.remora.xds.bootstrap.BootstrapLoader;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The limits on a downstream connection's life: a filter chain's transport_socket_connect_timeout,
 * the connection manager's max_connection_duration and max_requests_per_connection, and the
 * reduce_timeouts timers that scale them.
 */
class ConnectionLifetimeTranslationTest {

    private static final String YAML = """
            overload_manager:
              resource_monitors:
              - name: envoy.resource_monitors.fixed_heap
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig
                  max_heap_size_bytes: 134217728
              actions:
              - name: envoy.overload_actions.reduce_timeouts
                triggers:
                - name: envoy.resource_monitors.fixed_heap
                  scaled: { scaling_threshold: 0.8, saturation_threshold: 0.9 }
                typed_config:
                  "@type": type.googleapis.com/envoy.config.overload.v3.ScaleTimersOverloadActionConfig
                  timer_scale_factors:
                  - timer: TRANSPORT_SOCKET_CONNECT
                    min_timeout: 1s
                  - timer: HTTP_DOWNSTREAM_CONNECTION_MAX
                    min_scale: { value: 25 }
            static_resources:
              listeners:
              - name: l0
                address: { socket_address: { address: 127.0.0.1, port_value: 10000 } }
                filter_chains:
                - transport_socket_connect_timeout: 3s
                  filters:
                  - name: envoy.filters.network.http_connection_manager
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                      stat_prefix: p
                      common_http_protocol_options:
                        max_connection_duration: 90s
                        max_requests_per_connection: 100
                      http_filters:
                      - name: envoy.filters.http.router
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                      route_config:
                        virtual_hosts:
                        - name: all
                          domains: ["*"]
                          routes:
                          - match: { prefix: "/" }
                            direct_response: { status: 200 }
            """;

    private static final String CHAIN = "static_resources.listeners[0].filter_chains[0]";

    private static TranslationException refused(String yaml) {
        return assertThrows(TranslationException.class, () -> new BootstrapLoader().loadString(yaml, "test.yaml"));
    }

    @Test
    void translatesTheTimeoutsAndTheirScaling() {
        var lb = new BootstrapLoader().loadString(YAML, "test.yaml");
        FilterChainConfig chain = lb.model().listeners().get(0).filterChains().get(0);
        assertEquals(Duration.ofSeconds(3), chain.transportSocketConnectTimeout());
        var hcm = assertInstanceOf(HttpConnectionManagerConfig.class, chain.terminalFilter());
        assertEquals(Duration.ofSeconds(90), hcm.maxConnectionDuration());
        assertEquals(100, hcm.maxRequestsPerConnection());

        OverloadManagerConfig om = OverloadManagerTranslator.translate(lb.proto(), TranslationContext.lenient());
        var scales = om.actions().get(0).timerScales();
        assertEquals(TimerType.TRANSPORT_SOCKET_CONNECT, scales.get(0).timer());
        assertEquals(TimerType.HTTP_DOWNSTREAM_CONNECTION_MAX, scales.get(1).timer());
        // Saturated: 3 s falls to its 1 s floor, 90 s to 25% of itself; half-way, half of the way.
        assertEquals(Duration.ofSeconds(1).toNanos(), scales.get(0).scaledNanos(Duration.ofSeconds(3).toNanos(), 1));
        assertEquals(Duration.ofSeconds(2).toNanos(), scales.get(0).scaledNanos(Duration.ofSeconds(3).toNanos(), 0.5));
        assertEquals(Duration.ofMillis(22_500).toNanos(), scales.get(1).scaledNanos(Duration.ofSeconds(90).toNanos(), 1));
    }

    @Test
    void unsetMeansNoLimit() {
        String plain = YAML.replace("transport_socket_connect_timeout: 3s", "name: plain")
                .replace("max_connection_duration: 90s", "idle_timeout: 90s")
                .replace("max_requests_per_connection: 100", "max_headers_count: 100");
        FilterChainConfig chain = new BootstrapLoader().loadString(plain, "test.yaml").model().listeners().get(0)
                .filterChains().get(0);
        assertNull(chain.transportSocketConnectTimeout());
        var hcm = assertInstanceOf(HttpConnectionManagerConfig.class, chain.terminalFilter());
        assertNull(hcm.maxConnectionDuration());
        assertEquals(0, hcm.maxRequestsPerConnection());
    }

    @Test
    void negativeDurationsNameTheirField() {
        var e = refused(YAML.replace("transport_socket_connect_timeout: 3s", "transport_socket_connect_timeout: -3s"));
        assertEquals(CHAIN + ".transport_socket_connect_timeout", e.path());
        assertTrue(e.reason().contains("negative"), e.reason());

        var e2 = refused(YAML.replace("max_connection_duration: 90s", "max_connection_duration: -1s"));
        assertEquals(CHAIN + ".filters[0].typed_config.common_http_protocol_options.max_connection_duration", e2.path());
    }

    @Test
    void aTimerScaleWithoutAFloorNamesItsEntry() {
        var e = refused(YAML.replaceAll("\\n\\s*min_scale: \\{ value: 25 }", ""));
        assertEquals("overload_manager.actions[0].typed_config.timer_scale_factors[1]", e.path());
    }
}

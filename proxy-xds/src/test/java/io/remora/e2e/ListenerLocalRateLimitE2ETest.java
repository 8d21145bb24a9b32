package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The listener filter envoy.filters.listener.local_ratelimit over real sockets: with one token,
 * the second connection is closed at accept (before tcp_proxy, so the upstream never hears of
 * it) and counted in listener_local_ratelimit.<stat_prefix>.rate_limited; a listener whose
 * filter_disabled matches its port is not limited.
 */
class ListenerLocalRateLimitE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static ProxyProcess proxy;
    static int limited;
    static int disabled;

    static String listener(String name, String filterDisabled) {
        return """
                - name: NAME
                  address: { socket_address: { address: 127.0.0.1, port_value: ${NAME} } }
                  listener_filters:
                  - name: envoy.filters.listener.local_ratelimit
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.listener.local_ratelimit.v3.LocalRateLimit
                      stat_prefix: NAME_rl
                      token_bucket: { max_tokens: 1, tokens_per_fill: 1, fill_interval: 3600s }
                DISABLED
                  filter_chains:
                  - filters:
                    - name: envoy.filters.network.tcp_proxy
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                        stat_prefix: NAME
                        cluster: web
                """.replace("NAME", name).replace("DISABLED\n", filterDisabled.indent(4));
    }

    @BeforeAll
    static void start() throws Exception {
        TestUpstream upstream = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "ok"));
        limited = ProxyProcess.freePort();
        disabled = ProxyProcess.freePort();
        proxy = stack.start(Bootstraps.listeners(stack.adminPort,
                listener("limited", "") + listener("open", "filter_disabled: { destination_port_range: { start: "
                        + disabled + ", end: " + (disabled + 1) + " } }"),
                Bootstraps.cluster("web", false, null, upstream.port()), Map.of("limited", limited, "open", disabled)));
    }

    @Test
    void theSecondConnectionIsClosedAtAcceptAndCounted() throws Exception {
        assertTrue(LocalRateLimitE2ETest.exchange(limited).startsWith("HTTP/1.1 200"));
        assertEquals("", LocalRateLimitE2ETest.exchange(limited), "no token left: closed without an answer");
        assertEquals("", LocalRateLimitE2ETest.exchange(limited));
        assertEquals(2, proxy.stat("listener_local_ratelimit.limited_rl.rate_limited"));
        assertEquals(1, proxy.stat("tcp.limited.downstream_cx_total"), "the refused ones never reached tcp_proxy");
        assertEquals(1, proxy.stat("listener.127.0.0.1_" + limited + ".downstream_cx_total"),
                "nor became listener connections");
    }

    @Test
    void filterDisabledLeavesConnectionsAlone() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertTrue(LocalRateLimitE2ETest.exchange(disabled).startsWith("HTTP/1.1 200"));
        }
        assertEquals(0, proxy.stat("listener_local_ratelimit.open_rl.rate_limited"));
    }
}

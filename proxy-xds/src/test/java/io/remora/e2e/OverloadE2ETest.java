package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The overload manager's connection-level answers through real sockets, on the proxy as shipped:
 * the global_downstream_max_connections monitor and the runtime's per-listener connection limit
 * refuse connections at accept, stop_accepting_connections refuses them while pressure (Envoy's
 * injected resource monitor) is high (but not on a listener with ignore_global_conn_limit and
 * bypass_overload_manager), shrink_heap runs while it is saturated, and everything
 * recovers when pressure falls. Refusals are counted in the listener's stats.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OverloadE2ETest {

    static ProxyProcess proxy;
    static Path pressure;
    static int open;
    static int limited;
    /** Istio's health and metrics listeners' shape: ignore_global_conn_limit and bypass_overload_manager. */
    static int exempt;

    @BeforeAll
    static void start() throws Exception {
        pressure = TempPaths.file("pressure", ".txt");
        Files.writeString(pressure, "0");
        int admin = ProxyProcess.freePort();
        open = ProxyProcess.freePort();
        limited = ProxyProcess.freePort();
        exempt = ProxyProcess.freePort();
        String yaml = """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                  ignore_global_conn_limit: true
                overload_manager:
                  refresh_interval: 0.1s
                  resource_monitors:
                  - name: envoy.resource_monitors.injected_resource
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.resource_monitors.injected_resource.v3.InjectedResourceConfig
                      filename: %s
                  - name: envoy.resource_monitors.global_downstream_max_connections
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig
                      max_active_downstream_connections: 3
                  actions:
                  - name: envoy.overload_actions.stop_accepting_connections
                    triggers:
                    - name: envoy.resource_monitors.injected_resource
                      threshold: { value: 0.95 }
                  - name: envoy.overload_actions.shrink_heap
                    triggers:
                    - name: envoy.resource_monitors.injected_resource
                      threshold: { value: 0.9 }
                layered_runtime:
                  layers:
                  - name: static
                    static_layer:
                      envoy.resource_limits.listener.limited.connection_limit: 1
                static_resources:
                  listeners:
                  - name: open
                    address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                    filter_chains:
                    - filters:
                %s
                  - name: limited
                    address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                    filter_chains:
                    - filters:
                %s
                  - name: exempt
                    address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                    ignore_global_conn_limit: true
                    bypass_overload_manager: true
                    filter_chains:
                    - filters:
                %s
                """.formatted(admin, pressure, open, hcm("open"), limited, hcm("limited"), exempt, hcm("exempt"));
        proxy = ProxyProcess.start(yaml, admin);
    }

    private static String hcm(String prefix) {
        return Bootstraps.indent("""
                - name: envoy.filters.network.http_connection_manager
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                    stat_prefix: %s
                    route_config:
                      virtual_hosts:
                      - name: all
                        domains: ["*"]
                        routes:
                        - match: { prefix: "/" }
                          direct_response: { status: 200, body: { inline_string: "ok" } }
                    http_filters:
                    - name: envoy.filters.http.router
                      typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                """.formatted(prefix), 6);
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            int exit = proxy.terminate(java.time.Duration.ofSeconds(30));
            String log = proxy.log();
            proxy.close();
            assertEquals(0, exit, "the proxy did not exit cleanly:\n" + log);
            assertTrue(!log.contains("LEAK:"), log);
        }
        Files.deleteIfExists(pressure);
    }

    private static double listenerStat(String name, int port) throws Exception {
        return proxy.metric("envoy_listener_" + name + "{envoy_listener_address=\"127.0.0.1_" + port + "\"}");
    }

    /** A keep-alive connection that got its answer: it holds a connection slot. */
    private static Socket served(int port) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        String r = exchange(s);
        assertTrue(r.startsWith("HTTP/1.1 200"), r);
        return s;
    }

    /** One request on a keep-alive connection; its whole response (the direct response's body is "ok"). */
    private static String exchange(Socket s) throws IOException {
        s.getOutputStream().write("GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        StringBuilder r = new StringBuilder();
        InputStream in = s.getInputStream();
        while (!(r.indexOf("\r\n\r\n") > 0 && r.toString().endsWith("ok"))) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after: " + r);
            }
            r.append((char) b);
        }
        return r.toString();
    }

    /** A connection the proxy accepted and closed without a byte. */
    private static void refused(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            try {
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                InputStream in = s.getInputStream();
                assertEquals(-1, in.read(), "a refused connection was answered");
            } catch (java.net.SocketException reset) {
                // closed with a reset: refused as well
            }
        }
    }

    private static void awaitGauge(String sample, double value) throws Exception {
        for (int i = 0; i < 100 && proxy.metric(sample) != value; i++) {
            Thread.sleep(100);
        }
        assertEquals(value, proxy.metric(sample), sample);
    }

    @Test
    @Order(1)
    void runtimeListenerConnectionLimitRefusesAtAccept() throws Exception {
        try (Socket first = served(limited)) {
            refused(limited);
            assertEquals(1.0, listenerStat("downstream_cx_overflow", limited));
        }
        // The slot comes back once the proxy has seen the connection close.
        awaitGauge("envoy_listener_downstream_cx_active{envoy_listener_address=\"127.0.0.1_" + limited + "\"}", 0);
        served(limited).close();
    }

    @Test
    @Order(2)
    void globalDownstreamMaxConnectionsRefusesAcrossListeners() throws Exception {
        awaitGauge("envoy_listener_downstream_cx_active{envoy_listener_address=\"127.0.0.1_" + limited + "\"}", 0);
        awaitGauge("envoy_listener_downstream_cx_active{envoy_listener_address=\"127.0.0.1_" + open + "\"}", 0);
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                held.add(served(i == 2 ? limited : open));
            }
            awaitGauge("envoy_overload_envoy_resource_monitors_global_downstream_max_connections_pressure", 100);
            refused(open);
            assertEquals(1.0, listenerStat("downstream_global_cx_overflow", open));
            served(exempt).close(); // ignore_global_conn_limit
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        awaitGauge("envoy_overload_envoy_resource_monitors_global_downstream_max_connections_pressure", 0);
        served(open).close();
        awaitGauge("envoy_listener_downstream_cx_active{envoy_listener_address=\"127.0.0.1_" + open + "\"}", 0);
    }

    @Test
    @Order(3)
    void stopAcceptingConnectionsAndShrinkHeapUnderPressureThenRecover() throws Exception {
        try (Socket before = served(open)) {
            Files.writeString(pressure, "0.99");
            awaitGauge("envoy_overload_envoy_overload_actions_stop_accepting_connections_active", 1);
            assertEquals(1.0, proxy.metric("envoy_overload_envoy_overload_actions_shrink_heap_active"));
            refused(open);
            refused(limited);
            served(exempt).close(); // bypass_overload_manager
            assertEquals(1.0, listenerStat("downstream_cx_overload_reject", open));
            assertEquals(1.0, listenerStat("downstream_cx_overload_reject", limited));
            // Connections accepted before keep being served.
            assertTrue(exchange(before).startsWith("HTTP/1.1 200"), "an accepted connection lost its service");
            assertTrue(proxy.metric("envoy_overload_envoy_overload_actions_shrink_heap_shrink_count") >= 1,
                    "no heap shrink while saturated");
        } finally {
            Files.writeString(pressure, "0.1");
        }
        awaitGauge("envoy_overload_envoy_overload_actions_stop_accepting_connections_active", 0);
        double shrinks = proxy.metric("envoy_overload_envoy_overload_actions_shrink_heap_shrink_count");
        served(open).close();
        awaitGauge("envoy_listener_downstream_cx_active{envoy_listener_address=\"127.0.0.1_" + limited + "\"}", 0);
        served(limited).close();
        Thread.sleep(500);
        assertEquals(shrinks, proxy.metric("envoy_overload_envoy_overload_actions_shrink_heap_shrink_count"),
                "the heap is still shrunk without pressure");
        assertTrue(proxy.process().isAlive());
    }
}

package io.remora.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * listener_filters_timeout with a server-first protocol (the upstream speaks first, the client
 * waits): tls_inspector never gets a byte; with continue_on_listener_filters_timeout the
 * connection goes on to the plain chain at the timeout, as Istio's protocol detection needs,
 * without it the connection is closed. With the inspectors' filter_disabled matching the
 * destination port they do not run, and the greeting comes through at once.
 */
class ListenerFiltersTimeoutE2ETest {

    static ServerSocket greeter;
    static ProxyProcess proxy;
    static final Map<String, Integer> PORTS = new HashMap<>();

    static String listener(String name, boolean continueOnTimeout) {
        return listener(name, continueOnTimeout, "0.3s", null);
    }

    /** {@code disabled}: both inspectors' filter_disabled, or null for none. */
    static String listener(String name, boolean continueOnTimeout, String timeout, String disabled) {
        String off = disabled == null ? "" : "\n    filter_disabled: " + disabled;
        return """
                - name: NAME
                  address: { socket_address: { address: 127.0.0.1, port_value: ${NAME} } }
                  listener_filters_timeout: TIMEOUT
                  continue_on_listener_filters_timeout: CONTINUE
                  listener_filters:
                  - name: envoy.filters.listener.tls_inspector
                    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector }OFF
                  - name: envoy.filters.listener.http_inspector
                    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector }OFF
                  filter_chains:
                  - filters:
                    - name: envoy.filters.network.tcp_proxy
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                        stat_prefix: NAME
                        cluster: greeter
                """.replace("NAME", name).replace("CONTINUE", String.valueOf(continueOnTimeout))
                .replace("TIMEOUT", timeout).replace("OFF", off);
    }

    @BeforeAll
    static void start() throws Exception {
        greeter = GreetingServer.start();
        int admin = ProxyProcess.freePort();
        PORTS.put("continues", ProxyProcess.freePort());
        PORTS.put("closes", ProxyProcess.freePort());
        PORTS.put("disabled", ProxyProcess.freePort());
        PORTS.put("enabled", ProxyProcess.freePort());
        // Ephemeral ports are all above 1023: one predicate that holds for them, one that does not.
        String listeners = listener("continues", true) + listener("closes", false)
                + listener("disabled", false, "0s", "{ not_match: { destination_port_range: { start: 1, end: 1024 } } }")
                + listener("enabled", false, "0.3s", "{ destination_port_range: { start: 1, end: 1024 } }");
        proxy = ProxyProcess.start(Bootstraps.listeners(admin, listeners,
                Bootstraps.cluster("greeter", false, null, greeter.getLocalPort()), PORTS), admin, List.of());
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (greeter != null) {
            greeter.close();
        }
    }

    /** What the proxy sends a client that says nothing, until it closes or the line ends. */
    static String greeting(String listener) throws Exception {
        try (Socket s = new Socket("127.0.0.1", PORTS.get(listener))) {
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            StringBuilder sb = new StringBuilder();
            for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
                sb.append((char) c);
            }
            return sb.toString();
        }
    }

    @Test
    void aSilentClientGetsThePlainChainAtTheTimeout() throws Exception {
        assertEquals("220 hello\r", greeting("continues"));
    }

    @Test
    void withoutContinueItIsClosed() throws Exception {
        assertEquals("", greeting("closes"));
    }

    /**
     * Both inspectors disabled for the destination port, as Istio disables http_inspector on ports
     * whose protocol it knows: the chain is chosen at once, with no timeout to end the wait.
     */
    @Test
    void filterDisabledSkipsTheInspectors() throws Exception {
        assertEquals("220 hello\r", greeting("disabled"));
    }

    @Test
    void aPredicateThatDoesNotMatchLeavesThemOn() throws Exception {
        assertEquals("", greeting("enabled"));
    }
}

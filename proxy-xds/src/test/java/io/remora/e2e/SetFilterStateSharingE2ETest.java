package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The network set_filter_state's {@code shared_with_upstream}: an object shared with the upstream connection
 * reaches the internal listener that connection lands on; TRANSITIVE ones go on to the next
 * internal listener, ONCE ones stop at the first, NONE ones never leave (Envoy's StreamSharing).
 * outer sets three objects on each connection and routes to mid, which routes to end; each internal listener logs
 * what it sees.
 */
class SetFilterStateSharingE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static ProxyProcess proxy;
    static int http;
    static java.nio.file.Path midLog;
    static java.nio.file.Path endLog;

    private static final String SEEN = "once=%FILTER_STATE(test.once:PLAIN)% transitive=%FILTER_STATE(test.transitive:PLAIN)%"
            + " none=%FILTER_STATE(test.none:PLAIN)%\\n";

    /** An internal listener: tcp_proxy on to {@code cluster}, logging what it sees of the three objects. */
    private static String tcpListener(String name, java.nio.file.Path log, String cluster) {
        return """
                  - name: %1$s
                    internal_listener: {}
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.tcp_proxy
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                          stat_prefix: %1$s
                          cluster: %3$s
                          access_log:
                          - name: envoy.access_loggers.file
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                              path: %2$s
                              log_format: { text_format_source: { inline_string: "%4$s" } }
                """.formatted(name, log, cluster, SEEN);
    }

    private static String value(String key, String sharing) {
        return """
                          - object_key: test.%1$s
                            factory_key: envoy.string
                            format_string: { text_format_source: { inline_string: "%1$s-value" } }
                            shared_with_upstream: %2$s
                """.formatted(key, sharing);
    }

    @BeforeAll
    static void start() throws Exception {
        http = ProxyProcess.freePort();
        midLog = io.remora.testing.TempPaths.file("sfs-mid", ".log");
        endLog = io.remora.testing.TempPaths.file("sfs-end", ".log");
        String yaml = Bootstraps.INTERNAL_LISTENER_EXTENSION + """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %1$d } }
                static_resources:
                  listeners:
                  - name: outer
                    address: { socket_address: { address: 127.0.0.1, port_value: %2$d } }
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.set_filter_state
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.set_filter_state.v3.Config
                          on_new_connection:
                %3$s%4$s%5$s      - name: envoy.filters.network.tcp_proxy
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                          stat_prefix: outer
                          cluster: to_mid
                %6$s%7$s  clusters:
                %8$s%9$s%10$s""".formatted(stack.adminPort, http,
                value("once", "ONCE"), value("transitive", "TRANSITIVE"), value("none", "NONE"),
                tcpListener("mid", midLog, "to_end"),
                tcpListener("end", endLog, "admin"),
                Bootstraps.internalCluster("to_mid", "mid"), Bootstraps.internalCluster("to_end", "end"),
                Bootstraps.indent(Bootstraps.cluster("admin", false, null, stack.adminPort), 2));
        proxy = stack.start(yaml);
    }

    private static String logged(java.nio.file.Path log) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        String s = "";
        while (System.nanoTime() < deadline && s.isBlank()) {
            Thread.sleep(50);
            s = java.nio.file.Files.readString(log);
        }
        return s.strip();
    }

    @Test
    void onceStopsAtTheFirstInternalListenerAndTransitiveGoesOn() throws Exception {
        // Connection: close, so mid's tcp_proxy session ends and logs.
        String answer;
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", http)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
        }
        assertTrue(answer.startsWith("HTTP/1.1 200") && answer.strip().endsWith("LIVE"), answer + proxy.log());
        assertEquals("once=once-value transitive=transitive-value none=-", logged(midLog), proxy.log());
        assertEquals("once=- transitive=transitive-value none=-", logged(endLog), proxy.log());
    }
}

package io.remora.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Objects shared from a connection into an internal listener whose chain is an HTTP connection manager:
 * they are the internal connection's filter state, the parent of each stream's, so the stream's access
 * log and its filters (set_filter_state reading one) see them (Envoy's
 * FilterStateImpl parent lookup). outer (set_filter_state, tcp_proxy) -> inner (HCM: set_filter_state,
 * router) -> a real HTTP upstream.
 */
class InternalListenerHttpFilterStateE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static ProxyProcess proxy;
    static TestUpstream upstream;
    static int tcp;
    static java.nio.file.Path innerLog;

    private static final String SEEN = "once=%FILTER_STATE(test.once:PLAIN)% transitive=%FILTER_STATE(test.transitive:PLAIN)%"
            + " stream=%FILTER_STATE(test.stream:PLAIN)% copied=%FILTER_STATE(test.copied:PLAIN)%\\n";

    @BeforeAll
    static void start() throws Exception {
        upstream = TestUpstream.text("up");
        tcp = ProxyProcess.freePort();
        innerLog = io.remora.testing.TempPaths.file("ilfs-inner", ".log");
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
                          - object_key: test.once
                            factory_key: envoy.string
                            format_string: { text_format_source: { inline_string: "once-value" } }
                            shared_with_upstream: ONCE
                          - object_key: test.transitive
                            factory_key: envoy.string
                            format_string: { text_format_source: { inline_string: "transitive-value" } }
                            shared_with_upstream: TRANSITIVE
                      - name: envoy.filters.network.tcp_proxy
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                          stat_prefix: outer
                          cluster: to_inner
                  - name: inner
                    internal_listener: {}
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: inner
                          access_log:
                          - name: envoy.access_loggers.file
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                              path: %3$s
                              log_format: { text_format_source: { inline_string: "%4$s" } }
                          route_config:
                            virtual_hosts:
                            - name: all
                              domains: ["*"]
                              routes:
                              - match: { prefix: /bare }
                                route: { cluster: upstream }
                                typed_per_filter_config:
                                  sfs: { "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig, disabled: true }
                              - match: { prefix: / }
                                route: { cluster: upstream }
                          http_filters:
                          - name: sfs
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.http.set_filter_state.v3.Config
                              on_request_headers:
                              - object_key: test.stream
                                factory_key: envoy.string
                                format_string: { text_format_source: { inline_string: "stream-value" } }
                              - object_key: test.copied
                                factory_key: envoy.string
                                format_string: { text_format_source: { inline_string: "copied-%%FILTER_STATE(test.transitive:PLAIN)%%" } }
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                  clusters:
                %5$s  - name: upstream
                    connect_timeout: 1s
                    load_assignment:
                      cluster_name: upstream
                      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %6$d } } } }] }]
                """.formatted(stack.adminPort, tcp, innerLog, SEEN, Bootstraps.internalCluster("to_inner", "inner"),
                upstream.port());
        proxy = stack.start(yaml);
    }

    @AfterAll
    static void stop() {
        upstream.close();
    }

    /** The log's last line once it has {@code lines} lines. */
    private static String logged(java.nio.file.Path log, int lines) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        java.util.List<String> s = java.util.List.of();
        while (System.nanoTime() < deadline && s.size() < lines) {
            Thread.sleep(50);
            s = java.nio.file.Files.readAllLines(log);
        }
        return s.isEmpty() ? "" : s.get(s.size() - 1);
    }

    @Test
    void theInternalConnectionsObjectsReachEachStream() throws Exception {
        // No HTTP filter touches /bare's filter state: the log still finds the connection's objects.
        Curl r = Curl.get(tcp, "/bare", "Connection: close");
        assertEquals(200, r.status(), proxy.log());
        assertEquals("up", r.text(), proxy.log());
        assertEquals("once=once-value transitive=transitive-value stream=- copied=-", logged(innerLog, 1), proxy.log());
        r = Curl.get(tcp, "/x", "Connection: close");
        assertEquals(200, r.status(), proxy.log());
        assertEquals("once=once-value transitive=transitive-value stream=stream-value copied=copied-transitive-value",
                logged(innerLog, 2), proxy.log());
    }
}

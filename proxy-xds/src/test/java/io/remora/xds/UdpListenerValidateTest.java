package io.remora.xds;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code --mode validate} on UDP listeners: Envoy's udp sandbox passes, bad configs name the field. */
class UdpListenerValidateTest {

    /** envoyproxy/examples udp/envoy.yaml, as the sandbox ships it. */
    private static final String SANDBOX = """
            admin:
              address:
                socket_address:
                  address: 0.0.0.0
                  port_value: 10001
            static_resources:
              listeners:
              - name: listener_0
                address:
                  socket_address:
                    protocol: UDP
                    address: 0.0.0.0
                    port_value: 10000
                udp_listener_config:
                  downstream_socket_config:
                    max_rx_datagram_size: 9000
                listener_filters:
                - name: envoy.filters.udp_listener.udp_proxy
                  typed_config:
                    '@type': type.googleapis.com/envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig
                    access_log:
                    - name: envoy.access_loggers.stdout
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog
                    stat_prefix: service
                    matcher:
                      on_no_match:
                        action:
                          name: route
                          typed_config:
                            '@type': type.googleapis.com/envoy.extensions.filters.udp.udp_proxy.v3.Route
                            cluster: service_udp
                    upstream_socket_config:
                      max_rx_datagram_size: 9000
              clusters:
              - name: service_udp
                type: STRICT_DNS
                lb_policy: ROUND_ROBIN
                load_assignment:
                  cluster_name: service_udp
                  endpoints:
                  - lb_endpoints:
                    - endpoint:
                        address:
                          socket_address:
                            address: service-udp
                            port_value: 5005
            """;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @AfterEach
    void restoreLogging() {
        io.remora.log.Logging.uninstall();
    }

    private int validate(Path dir, String yaml) throws Exception {
        Path f = dir.resolve("b.yaml");
        Files.writeString(f, yaml);
        return new Main(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).run(new String[] {"--mode", "validate", "-c", f.toString()});
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8).strip();
    }

    @Test
    void envoysUdpSandboxValidates(@TempDir Path dir) throws Exception {
        assertEquals(0, validate(dir, SANDBOX), err());
    }

    /** The sandbox's listener with one change. */
    private void refused(Path dir, String from, String to, String error) throws Exception {
        String yaml = SANDBOX.replace(from, to);
        err.reset();
        assertEquals(1, validate(dir, yaml), yaml);
        assertEquals("error: " + error, err());
    }

    @Test
    void aTcpFilterChainOnAUdpListenerIsRefused(@TempDir Path dir) throws Exception {
        refused(dir, "    udp_listener_config:\n", """
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.tcp_proxy
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: t, cluster: service_udp }
                    udp_listener_config:
                """, "static_resources.listeners[0].filter_chains: a UDP listener has no filter chains: its"
                + " listener_filters (envoy.filters.udp_listener.udp_proxy) take the datagrams");
    }

    @Test
    void udpListenerConfigOnATcpAddressIsRefused(@TempDir Path dir) throws Exception {
        refused(dir, "protocol: UDP", "protocol: TCP", "static_resources.listeners[0].udp_listener_config: only a"
                + " listener with a UDP address (address.socket_address.protocol: UDP) takes udp_listener_config");
    }

    @Test
    void badUdpProxyFieldsAreNamed(@TempDir Path dir) throws Exception {
        String proxy = "static_resources.listeners[0].listener_filters[0].typed_config.";
        refused(dir, "max_rx_datagram_size: 9000\n    listener_filters", "max_rx_datagram_size: 70000\n    listener_filters",
                "static_resources.listeners[0].udp_listener_config.downstream_socket_config.max_rx_datagram_size:"
                        + " must be greater than 0 and less than 65536, not 70000");
        refused(dir, "stat_prefix: service", "stat_prefix: service\n        use_original_src_ip: true",
                proxy + "use_original_src_ip: not supported: it needs transparent (IP_TRANSPARENT) upstream sockets"
                        + " sending from the downstream's address");
        refused(dir, "stat_prefix: service", "stat_prefix: service\n        hash_policies: [{ key: '' }]",
                proxy + "hash_policies[0].key: must not be empty");
        refused(dir, "envoy.extensions.filters.udp.udp_proxy.v3.Route",
                "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
                proxy + "matcher.on_no_match.action.typed_config: a udp_proxy matcher's action must be"
                        + " envoy.extensions.filters.udp.udp_proxy.v3.Route, not"
                        + " envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy");
        refused(dir, "stat_prefix: service", "stat_prefix: ''", proxy + "stat_prefix: missing required field");
    }

    /** The sandbox's listener with a DNS filter instead of its udp_proxy. */
    private static final String DNS = SANDBOX.substring(0, SANDBOX.indexOf("    listener_filters:")) + """
                listener_filters:
                - name: envoy.filters.udp.dns_filter
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.udp.dns_filter.v3.DnsFilterConfig
                    stat_prefix: dns
                    client_config: { resolver_timeout: 2s, max_pending_lookups: 64 }
                    server_config:
                      inline_dns_table:
                        external_retry_count: 2
                        virtual_domains:
                        - name: www.domain1.com
                          endpoint: { address_list: { address: [10.0.0.1, "2001:db8::1"] } }
                          answer_ttl: 60s
                        - name: domain1.com
                          endpoint:
                            service_list:
                              services:
                              - { service_name: sip, protocol: { number: 6 }, ttl: 30s, targets: [{ cluster_name: service_udp, weight: 1 }] }
              clusters:
            """ + SANDBOX.substring(SANDBOX.indexOf("  - name: service_udp"));

    @Test
    void aDnsFilterListenerValidatesAndBadFieldsAreNamed(@TempDir Path dir) throws Exception {
        assertEquals(0, validate(dir, DNS), err());
        String filter = "static_resources.listeners[0].listener_filters[0].typed_config.";
        String table = filter + "server_config.inline_dns_table.";
        for (String[] c : new String[][] {
            {"10.0.0.1, ", "10.0.0.1, not-an-ip, ", table + "virtual_domains[0].endpoint.address_list.address[1]:"
                    + " 'not-an-ip' is not an IP address"},
            {"answer_ttl: 60s", "answer_ttl: 5s", table + "virtual_domains[0].answer_ttl: must be at least 30s"},
            {"max_pending_lookups: 64", "max_pending_lookups: 0", filter + "client_config.max_pending_lookups:"
                    + " must be at least 1"},
            {"resolver_timeout: 2s", "resolver_timeout: 0.5s", filter + "client_config.resolver_timeout: must be"
                    + " at least 1s"},
            {"external_retry_count: 2", "external_retry_count: 4", table + "external_retry_count: must be at most 3,"
                    + " not 4"},
            {"targets: [{ cluster_name: service_udp, weight: 1 }]", "targets: []", table
                    + "virtual_domains[1].endpoint.service_list.services[0].targets: must have at least one target"},
            {"stat_prefix: dns", "stat_prefix: ''", filter + "stat_prefix: missing required field"},
        }) {
            err.reset();
            String yaml = DNS.replace(c[0], c[1]);
            assertEquals(1, validate(dir, yaml), yaml);
            assertEquals("error: " + c[2], err());
        }
    }
}

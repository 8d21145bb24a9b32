package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.remora.e2e.DnsRefreshE2ETest.greeter;
import static io.remora.e2e.DnsRefreshE2ETest.greeting;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DNS clusters that name their resolver ask that server, over UDP or TCP as configured, and with
 * respect_dns_ttl come back when the answer's TTL runs out rather than at dns_refresh_rate. The
 * name is known only to {@link TestDnsServer}; two greeters on 127.0.0.1 and 127.0.0.2, same port,
 * tell which address a proxied connection reached.
 */
class DnsResolversE2ETest {
    private static final String NAME = "svc.remora.test";

    /** A tcp_proxy listener to cluster svc (STRICT_DNS on NAME:port) with these cluster fields. */
    private static String bootstrap(int admin, int listener, int port, String clusterFields) {
        return Bootstraps.listeners(admin, Bootstraps.tcpListener("tcp", "svc"), cluster("svc", port, clusterFields),
                Map.of("tcp", listener));
    }

    /** Cluster {@code name}: STRICT_DNS on NAME:port, with these fields. */
    private static String cluster(String name, int port, String fields) {
        return """
                - name: CLUSTER
                  type: STRICT_DNS
                  dns_lookup_family: V4_ONLY
                  connect_timeout: 1s
                FIELDS
                  load_assignment:
                    cluster_name: CLUSTER
                    endpoints:
                    - lb_endpoints:
                      - endpoint: { address: { socket_address: { address: NAME, port_value: PORT } } }
                """.replace("CLUSTER", name).replace("FIELDS", Bootstraps.indent(fields, 2)).replace("NAME", NAME)
                .replace("PORT", String.valueOf(port));
    }

    private static String resolver(TestDnsServer dns) {
        return "dns_resolvers: [ { socket_address: { address: 127.0.0.1, port_value: " + dns.port() + " } } ]\n";
    }

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static ProxyProcess proxy;
    /** Each test's tcp_proxy listener, DNS server and greeter port, by test name. */
    static final Map<String, Integer> listeners = new HashMap<>();
    static final Map<String, TestDnsServer> servers = new HashMap<>();
    static final Map<String, Integer> greeters = new HashMap<>();

    /**
     * One proxy for the tests whose clusters name their own resolver: a listener, cluster (svc_NAME
     * on NAME), DNS server and greeters each, so that each server's queries are its cluster's.
     */
    @BeforeAll
    static void start() throws Exception {
        StringBuilder items = new StringBuilder();
        StringBuilder clusters = new StringBuilder();
        // Its own resolver: asked over UDP at the default refresh rate.
        add("udp", 30, items, clusters, "");
        add("tcp", 30, items, clusters, "use_tcp_for_dns_lookups: true\n");
        // TTL 1 s: dns_refresh_rate, not the TTL, decides unless respect_dns_ttl. The rate is long
        // enough that its own refresh cannot land in the test however late the test runs.
        add("respect", 1, items, clusters, "dns_refresh_rate: 600s\nrespect_dns_ttl: true\n");
        add("without", 1, items, clusters, "dns_refresh_rate: 600s\n");
        // An address for the name, in the default family (AUTO: IPv6 first).
        add("literal", 30, items, clusters, "");
        int last = clusters.lastIndexOf("- name: svc_literal");
        clusters.replace(last, clusters.length(), clusters.substring(last).replace(NAME, "127.0.0.1")
                .replace("dns_lookup_family: V4_ONLY", "dns_lookup_family: AUTO"));
        proxy = stack.start(Bootstraps.listeners(stack.adminPort, items.toString(), clusters.toString(), listeners));
    }

    /** Test NAME's listener and its cluster with these fields after its own resolver; NAME at 127.0.0.1 for ttl. */
    private static void add(String name, int ttl, StringBuilder items, StringBuilder clusters, String fields)
            throws Exception {
        TestDnsServer dns = stack.own(TestDnsServer.start().answer(NAME, ttl, "127.0.0.1"));
        servers.put(name, dns);
        int port = ProxyProcess.freePort();
        greeters.put(name, port);
        stack.own(greeter("127.0.0.1", port, "one"));
        listeners.put(name, ProxyProcess.freePort());
        items.append(Bootstraps.tcpListener(name, "svc_" + name));
        clusters.append(cluster("svc_" + name, port, resolver(dns) + fields));
    }

    @Test
    void dnsResolversAreAskedOverUdp() throws Exception {
        TestDnsServer dns = servers.get("udp");
        assertEquals("one", greeting(listeners.get("udp")), "the name only the test server knows was resolved");
        assertTrue(dns.udpQueries() > 0, "queries went to the cluster's resolver");
        assertEquals(0, dns.tcpQueries());
    }

    @Test
    void useTcpForDnsLookupsQueriesOverTcp() throws Exception {
        TestDnsServer dns = servers.get("tcp");
        assertEquals("one", greeting(listeners.get("tcp")));
        assertTrue(dns.tcpQueries() > 0, "queries arrived over TCP");
        assertEquals(0, dns.udpQueries(), "no query over UDP");
    }

    @Test
    void bootstrapTypedResolverServesClustersWithoutTheirOwn() throws Exception {
        int port = ProxyProcess.freePort();
        int admin = ProxyProcess.freePort();
        int listener = ProxyProcess.freePort();
        try (TestDnsServer dns = TestDnsServer.start().answer(NAME, 30, "127.0.0.1");
             ServerSocket one = greeter("127.0.0.1", port, "one")) {
            String yaml = bootstrap(admin, listener, port, "dns_refresh_rate: 60s\n") + """
                    typed_dns_resolver_config:
                      name: envoy.network.dns_resolver.cares
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.network.dns_resolver.cares.v3.CaresDnsResolverConfig
                        resolvers: [ { socket_address: { address: 127.0.0.1, port_value: %d } } ]
                        dns_resolver_options: { use_tcp_for_dns_lookups: true }
                    """.formatted(dns.port());
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                assertEquals("one", greeting(listener));
                assertTrue(dns.tcpQueries() > 0, "the bootstrap's c-ares options applied");
            }
        }
    }

    /** c-ares' fake_addrinfo: an address written as the name is its own answer, no query made. */
    @Test
    void anAddressIsItsOwnAnswer() throws Exception {
        TestDnsServer dns = servers.get("literal");
        assertEquals("one", greeting(listeners.get("literal")));
        assertEquals(0, dns.udpQueries() + dns.tcpQueries(), "the resolver was asked for an address");
    }

    @Test
    void respectDnsTtlRefreshesWhenTheTtlRunsOut() throws Exception {
        assertEquals("two", afterAnswerChanges("respect", 8_000),
                "a 1 s TTL brings the new answer long before the refresh rate");
    }

    @Test
    void withoutRespectDnsTtlTheRefreshRateRules() throws Exception {
        // Three TTLs' worth: a resolver that followed the TTL would have asked again twice.
        assertEquals("one", afterAnswerChanges("without", 3_000), "the refresh rate, not the 1 s TTL, decides");
    }

    /**
     * Test NAME's name (TTL 1 s) is pointed at 127.0.0.2, where a greeter answers "two" on the
     * same port; returns the greeting once it is "two" or after {@code millis}.
     */
    private static String afterAnswerChanges(String name, long millis) throws Exception {
        int listener = listeners.get(name);
        try (ServerSocket two = greeter("127.0.0.2", greeters.get(name), "two")) {
            assertEquals("one", greeting(listener));
            servers.get(name).answer(NAME, 1, "127.0.0.2");
            String got = "";
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            while (!got.equals("two") && System.nanoTime() < deadline) {
                Thread.sleep(200);
                got = greeting(listener);
            }
            return got;
        }
    }
}

package io.remora.e2e;

import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.util.List;
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
        return Bootstraps.listeners(admin, Bootstraps.tcpListener("tcp", "svc"), """
                - name: svc
                  type: STRICT_DNS
                  dns_lookup_family: V4_ONLY
                  connect_timeout: 1s
                FIELDS
                  load_assignment:
                    cluster_name: svc
                    endpoints:
                    - lb_endpoints:
                      - endpoint: { address: { socket_address: { address: NAME, port_value: PORT } } }
                """.replace("FIELDS", Bootstraps.indent(clusterFields, 2)).replace("NAME", NAME)
                .replace("PORT", String.valueOf(port)), Map.of("tcp", listener));
    }

    private static String resolver(TestDnsServer dns) {
        return "dns_resolvers: [ { socket_address: { address: 127.0.0.1, port_value: " + dns.port() + " } } ]\n";
    }

    @Test
    void dnsResolversAreAskedOverUdp() throws Exception {
        int port = ProxyProcess.freePort();
        int admin = ProxyProcess.freePort();
        int listener = ProxyProcess.freePort();
        try (TestDnsServer dns = TestDnsServer.start().answer(NAME, 30, "127.0.0.1");
             ServerSocket one = greeter("127.0.0.1", port, "one");
             ProxyProcess proxy = ProxyProcess.start(bootstrap(admin, listener, port, resolver(dns)), admin)) {
            assertEquals("one", greeting(listener), "the name only the test server knows was resolved");
            assertTrue(dns.udpQueries() > 0, "queries went to the cluster's resolver");
            assertEquals(0, dns.tcpQueries());
        }
    }

    @Test
    void useTcpForDnsLookupsQueriesOverTcp() throws Exception {
        int port = ProxyProcess.freePort();
        int admin = ProxyProcess.freePort();
        int listener = ProxyProcess.freePort();
        try (TestDnsServer dns = TestDnsServer.start().answer(NAME, 30, "127.0.0.1");
             ServerSocket one = greeter("127.0.0.1", port, "one");
             ProxyProcess proxy = ProxyProcess.start(bootstrap(admin, listener, port,
                     resolver(dns) + "use_tcp_for_dns_lookups: true\n"), admin)) {
            assertEquals("one", greeting(listener));
            assertTrue(dns.tcpQueries() > 0, "queries arrived over TCP");
            assertEquals(0, dns.udpQueries(), "no query over UDP");
        }
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

    @Test
    void respectDnsTtlRefreshesWhenTheTtlRunsOut() throws Exception {
        assertEquals("two", afterAnswerChanges("respect_dns_ttl: true\n", 8_000),
                "a 1 s TTL brings the new answer long before the 60 s refresh rate");
    }

    @Test
    void withoutRespectDnsTtlTheRefreshRateRules() throws Exception {
        // Three TTLs' worth: a resolver that followed the TTL would have asked again twice.
        assertEquals("one", afterAnswerChanges("", 3_000), "the 60 s refresh rate, not the 1 s TTL, decides");
    }

    /**
     * Starts with NAME at 127.0.0.1 (TTL 1 s, dns_refresh_rate 60 s), points it at 127.0.0.2, and
     * returns the greeting once it is "two" or after {@code millis}.
     */
    private static String afterAnswerChanges(String fields, long millis) throws Exception {
        int port = ProxyProcess.freePort();
        int admin = ProxyProcess.freePort();
        int listener = ProxyProcess.freePort();
        try (TestDnsServer dns = TestDnsServer.start().answer(NAME, 1, "127.0.0.1");
             ServerSocket one = greeter("127.0.0.1", port, "one");
             ServerSocket two = greeter("127.0.0.2", port, "two");
             ProxyProcess proxy = ProxyProcess.start(bootstrap(admin, listener, port,
                     resolver(dns) + "dns_refresh_rate: 60s\n" + fields), admin, List.of("-Xmx256m"))) {
            assertEquals("one", greeting(listener));
            dns.answer(NAME, 1, "127.0.0.2");
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

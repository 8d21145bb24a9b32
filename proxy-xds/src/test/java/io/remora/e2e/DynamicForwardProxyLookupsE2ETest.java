package io.remora.e2e;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dynamic forward proxy's DNS cache resolves as Envoy's does through c-ares: asynchronously.
 * Requests for names whose server does not answer ({@link TestDnsServer} holding them) wait for
 * their lookups without a thread each, and a name the server answers is served meanwhile at once.
 * A cache without a resolver of its own asks the bootstrap's typed_dns_resolver_config, but not
 * its dns_resolution_config (DnsCacheImpl::selectDnsResolver), which DNS clusters do use.
 */
class DynamicForwardProxyLookupsE2ETest {
    private static final int HELD = 120;

    /** A cache asking only {@code dns}, whose held queries time out neither in c-ares nor in the cache within the test. */
    private static String cache(TestDnsServer dns) {
        return "{ name: dfp_cache, dns_lookup_family: V4_ONLY, dns_query_timeout: 30s, " + dns.caresResolverFlow() + " }";
    }

    @Test
    void heldLookupsHoldNoThreadsNorDelayAnotherName() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start().answer("fast.remora.test", 30, "127.0.0.1");
             TestUpstream upstream = TestUpstream.text("served")) {
            for (int i = 0; i < HELD; i++) {
                dns.answer("n" + i + ".remora.test", 30, "127.0.0.1").hold("n" + i + ".remora.test");
            }
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String c = cache(dns);
            String yaml = Bootstraps.http(admin, port, "/dev/null", "- match: { prefix: / }\n  route: { cluster: dfp }\n",
                    DynamicForwardProxyE2ETest.dfpCluster(c, ""), "", DynamicForwardProxyE2ETest.httpFilter(c));
            List<Socket> waiting = new ArrayList<>();
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                for (int i = 0; i < HELD; i++) {
                    Socket s = new Socket("127.0.0.1", port);
                    waiting.add(s);
                    s.getOutputStream().write(("GET / HTTP/1.1\r\nhost: n" + i + ".remora.test:" + upstream.port()
                            + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                await(() -> proxy.stat("dns_cache.dfp_cache.dns_query_attempt") >= HELD);
                // As c-ares': lookups under way are queries in flight, not threads waiting for them.
                long threads = DnsNamesE2ETest.threadsNamed(proxy.pid(), "remora-dns-look")
                        + DnsNamesE2ETest.threadsNamed(proxy.pid(), "remora-dns-cach")
                        + DnsNamesE2ETest.threadsNamed(proxy.pid(), "remora-getaddr");
                assertEquals(0, threads, threads + " lookup threads for " + HELD + " names in flight");

                long start = System.nanoTime();
                Curl fast = Curl.run("-H", "Host: fast.remora.test:" + upstream.port(), "http://127.0.0.1:" + port + "/");
                assertEquals(200, fast.status(), fast.text());
                assertEquals("served", fast.text());
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(ms < 3_000, "the answered name waited " + ms + " ms behind the held ones");
                assertEquals(1, proxy.stat("dns_cache.dfp_cache.dns_query_success"), "only the answered name's lookup is done");

                dns.release();
                for (Socket s : waiting) {
                    s.setSoTimeout(10_000);
                    assertTrue(head(s.getInputStream()).startsWith("HTTP/1.1 200"), "a held request is served once answered");
                }
            } finally {
                for (Socket s : waiting) {
                    s.close();
                }
            }
        }
    }

    /** The proxy of {@link #cacheWithoutAResolverTakesTheBootstrapsTypedOneOnly}: a cache of no resolver, these bootstrap fields. */
    private static String bootstrapResolving(int admin, int port, String bootstrapFields) {
        String c = "{ name: dfp_cache, dns_lookup_family: V4_ONLY, dns_query_timeout: 1s }";
        return Bootstraps.http(admin, port, "/dev/null", "- match: { prefix: / }\n  route: { cluster: dfp }\n",
                DynamicForwardProxyE2ETest.dfpCluster(c, ""), "", DynamicForwardProxyE2ETest.httpFilter(c)) + bootstrapFields;
    }

    @Test
    void cacheWithoutAResolverTakesTheBootstrapsTypedOneOnly() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start().answer("app.remora.test", 30, "127.0.0.1");
             TestUpstream upstream = TestUpstream.text("served")) {
            String host = "Host: app.remora.test:" + upstream.port();
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            try (ProxyProcess proxy = ProxyProcess.start(bootstrapResolving(admin, port, dns.caresResolver(0)), admin)) {
                Curl ok = Curl.run("-H", host, "http://127.0.0.1:" + port + "/");
                assertEquals(200, ok.status(), ok.text());
            }
            int before = dns.udpQueries();
            admin = ProxyProcess.freePort();
            port = ProxyProcess.freePort();
            String resolution = "dns_resolution_config: { resolvers: [ { socket_address: { address: 127.0.0.1,"
                    + " port_value: " + dns.port() + " } } ] }\n";
            try (ProxyProcess proxy = ProxyProcess.start(bootstrapResolving(admin, port, resolution), admin)) {
                // c-ares' default asks resolv.conf's servers, which do not know the name (or do not answer in 1 s).
                Curl failed = Curl.run("-H", host, "http://127.0.0.1:" + port + "/");
                assertEquals(503, failed.status(), failed.text());
                assertEquals(before, dns.udpQueries(), "the bootstrap's dns_resolution_config was not asked");
            }
        }
    }

    /** The status line of a response. */
    private static String head(InputStream in) throws java.io.IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            line.append((char) c);
        }
        return line.toString();
    }

    private interface Check {
        boolean done() throws Exception;
    }

    private static void await(Check check) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!check.done()) {
            assertTrue(System.nanoTime() < deadline, "timed out");
            Thread.sleep(50);
        }
    }
}

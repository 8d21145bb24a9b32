package io.remora.e2e;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The DNS filter on a UDP listener, asked by dig: A, AAAA and SRV answers from the inline table,
 * a cluster's hosts, NXDOMAIN for a name the table should have, NOTIMP for other types, a name the
 * table does not own forwarded to a second dns_filter listener (whose table is an external YAML
 * file), and garbage datagrams answered FORMERR and counted while the listener keeps answering.
 */
class DnsFilterE2ETest {

    /** Output of one dig query: the status and the answer and additional sections' records. */
    private record Dig(String status, String flags, List<String> answers, List<String> additional) {
    }

    private static void requireDig() {
        boolean found = false;
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            found |= Files.isExecutable(Path.of(d, "dig"));
        }
        if (!found && "true".equals(System.getenv("CI"))) {
            fail("dig is not installed (apt-get install -y bind9-dnsutils)");
        }
        assumeTrue(found, "dig is not installed");
    }

    private static Dig dig(int port, String name, String type) throws Exception {
        Process p = new ProcessBuilder("dig", "@127.0.0.1", "-p", String.valueOf(port), "+tries=1", "+time=5",
                "+nocookie", name, type).redirectErrorStream(true).start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "dig finished");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Matcher status = Pattern.compile("status: (\\w+)").matcher(out);
        Matcher flags = Pattern.compile(";; flags: ([a-z ]+);").matcher(out);
        assertTrue(status.find() && flags.find(), "dig got an answer:\n" + out);
        return new Dig(status.group(1), flags.group(1), section(out, ";; ANSWER SECTION:"),
                section(out, ";; ADDITIONAL SECTION:"));
    }

    /** The section's records, whitespace collapsed: "name. ttl IN type data". */
    private static List<String> section(String out, String title) {
        List<String> records = new ArrayList<>();
        int at = out.indexOf(title);
        if (at < 0) {
            return records;
        }
        for (String line : out.substring(at + title.length()).split("\n")) {
            if (line.isBlank() && !records.isEmpty()) {
                break;
            }
            if (!line.isBlank() && !line.startsWith(";")) {
                records.add(line.trim().replaceAll("\\s+", " "));
            }
        }
        return records;
    }

    /**
     * A UDP listener item for {@link Bootstraps#listeners}: 127.0.0.1 on port {@code ${<NAME>}} (the
     * name upper-cased) with a dns_filter of stat prefix {@code name} and {@code filterFields} (YAML lines).
     */
    private static String listener(String name, String filterFields) {
        return """
                - name: %s
                  address: { socket_address: { protocol: UDP, address: 127.0.0.1, port_value: ${%s} } }
                  listener_filters:
                  - name: envoy.filters.udp.dns_filter
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.udp.dns_filter.v3.DnsFilterConfig
                      stat_prefix: %s
                %s
                """.formatted(name, name.toUpperCase(java.util.Locale.ROOT), name, Bootstraps.indent(filterFields, 6));
    }

    /**
     * Listener "primary" forwards to listener "upstream" (whose table is the file), "timeout" to a
     * resolver on port {@code ${SILENT}}.
     */
    private static String bootstrap(int admin, Map<String, Integer> ports, Path upstreamTable) {
        String listeners = listener("primary", """
                client_config:
                  resolver_timeout: 2s
                  max_pending_lookups: 16
                  typed_dns_resolver_config:
                    name: envoy.network.dns_resolver.cares
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.network.dns_resolver.cares.v3.CaresDnsResolverConfig
                      resolvers: [{ socket_address: { address: 127.0.0.1, port_value: ${UPSTREAM} } }]
                      dns_resolver_options: { no_default_search_domain: true }
                server_config:
                  inline_dns_table:
                    virtual_domains:
                    - name: www.example.com
                      endpoint: { address_list: { address: [10.0.0.1, 10.0.0.2, "2001:db8::1"] } }
                      answer_ttl: 60s
                    - name: api.example.com
                      endpoint: { cluster_name: backend }
                    - name: t1.example.com
                      endpoint: { address_list: { address: [10.0.0.7] } }
                    - name: example.com
                      endpoint:
                        service_list:
                          services:
                          - service_name: http
                            protocol: { name: tcp }
                            ttl: 45s
                            targets: [{ host_name: t1.example.com, port: 8080, priority: 1, weight: 5 }]
                """) + listener("upstream", "server_config: { external_dns_table: { filename: " + upstreamTable
                        + " } }\n")
                + listener("timeout", """
                client_config:
                  resolver_timeout: 1s
                  max_pending_lookups: 4
                  dns_resolution_config:
                    resolvers: [{ socket_address: { address: 127.0.0.1, port_value: ${SILENT} } }]
                    dns_resolver_options: { no_default_search_domain: true }
                server_config: { inline_dns_table: { external_retry_count: 1 } }
                """);
        String clusters = """
                - name: backend
                  type: STATIC
                  load_assignment:
                    cluster_name: backend
                    endpoints:
                    - lb_endpoints:
                      - endpoint: { address: { socket_address: { address: 10.1.0.1, port_value: 80 } } }
                      - endpoint: { address: { socket_address: { address: 10.1.0.2, port_value: 80 } } }
                """;
        return Bootstraps.listeners(admin, listeners, clusters, ports);
    }

    @Test
    void digIsAnsweredFromTheTableTheClustersAndTheExternalResolver() throws Exception {
        requireDig();
        Path table = io.remora.testing.TempPaths.file("dns-table", ".yaml");
        Files.writeString(table, """
                virtual_domains:
                - name: external.test
                  endpoint: { address_list: { address: [192.0.2.10] } }
                """);
        int admin = ProxyProcess.freePort();
        Map<String, Integer> ports = Map.of("PRIMARY", ProxyProcess.freePort(), "UPSTREAM", ProxyProcess.freePort(),
                "TIMEOUT", ProxyProcess.freePort(), "SILENT", ProxyProcess.freePort());
        int dns = ports.get("PRIMARY");
        int upstream = ports.get("UPSTREAM");
        try (ProxyProcess proxy = ProxyProcess.start(bootstrap(admin, ports, table), admin)) {
            Dig a = dig(dns, "www.example.com", "A");
            assertEquals("NOERROR", a.status());
            assertTrue(a.flags().contains("rd") && a.flags().contains("ra") && !a.flags().contains("aa"),
                    "RD echoed, RA as the filter forwards, never AA: " + a.flags());
            assertEquals(List.of("www.example.com. 60 IN A 10.0.0.1", "www.example.com. 60 IN A 10.0.0.2"),
                    a.answers().stream().sorted().toList());
            assertEquals(List.of("www.example.com. 60 IN AAAA 2001:db8::1"), dig(dns, "www.example.com", "AAAA").answers());

            Dig srv = dig(dns, "_http._tcp.example.com", "SRV");
            assertEquals(List.of("_http._tcp.example.com. 45 IN SRV 1 5 8080 t1.example.com."), srv.answers());
            assertEquals(List.of("t1.example.com. 300 IN A 10.0.0.7"), srv.additional());

            Dig cluster = dig(dns, "api.example.com", "A");
            assertEquals(List.of("api.example.com. 300 IN A 10.1.0.1", "api.example.com. 300 IN A 10.1.0.2"),
                    cluster.answers().stream().sorted().toList());

            // The table has t1's name: an AAAA it has no address for is NXDOMAIN, not forwarded.
            assertEquals("NXDOMAIN", dig(dns, "t1.example.com", "AAAA").status());
            assertEquals("NOTIMP", dig(dns, "www.example.com", "MX").status());

            Dig external = dig(dns, "external.test", "A");
            assertEquals("NOERROR", external.status());
            assertEquals(List.of("external.test. 300 IN A 192.0.2.10"), external.answers());

            // The second listener forwards nothing: a name under its domain it lacks is NXDOMAIN, without RA.
            Dig missing = dig(upstream, "other.external.test", "A");
            assertEquals("NXDOMAIN", missing.status());
            assertTrue(!missing.flags().contains("ra"), missing.flags());

            assertEquals(1, proxy.stat("dns_filter.primary.external_a_record_answers"));
            // The MX query too: a type the resolver is not asked for is "resolved" at once, without records.
            assertEquals(2, proxy.stat("dns_filter.primary.externally_resolved_queries"));
            assertEquals(1, proxy.stat("dns_filter.primary.external_unsupported_queries"));
            assertEquals(2, proxy.stat("dns_filter.primary.cluster_a_record_answers"));
            assertEquals(3, proxy.stat("dns_filter.primary.local_a_record_answers"),
                    "www's two A records and the SRV target's");
            assertEquals(1, proxy.stat("dns_filter.primary.local_srv_record_answers"));
            assertEquals(1, proxy.stat("dns_filter.primary.srv_record_queries"));
            assertEquals(3, proxy.stat("dns_filter.primary.a_record_queries"));
            assertEquals(1, proxy.stat("dns_filter.primary.unsupported_queries"));
            assertEquals(1, proxy.stat("dns_filter.upstream.unanswered_queries"));
            assertTrue(proxy.stat("dns_filter.upstream.a_record_queries") >= 2, "the forwarded query arrived");
            assertEquals(2, proxy.stat("dns_filter.primary.unanswered_queries"), "t1's AAAA and the MX");
            assertEquals(6, proxy.stat("dns_filter.primary.known_domain_queries"), "all but external.test");
            assertEquals(7, proxy.stat("dns_filter.primary.downstream_tx_responses"));
        }
    }

    /**
     * Also: a lookup the resolver (a socket that never answers) leaves unanswered times out after
     * resolver_timeout, is tried again (external_retry_count: 1), and is then answered NXDOMAIN.
     */
    @Test
    void garbageIsAnsweredFormerrAndCountedAndTheListenerKeepsAnswering() throws Exception {
        requireDig();
        Path table = io.remora.testing.TempPaths.file("dns-table", ".json");
        Files.writeString(table, "{\"virtual_domains\": [{\"name\": \"external.test\","
                + " \"endpoint\": {\"address_list\": {\"address\": [\"192.0.2.10\"]}}}]}");
        int admin = ProxyProcess.freePort();
        DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        java.util.concurrent.atomic.AtomicInteger lookups = new java.util.concurrent.atomic.AtomicInteger();
        Thread sink = new Thread(() -> {
            byte[] buf = new byte[1500];
            while (!silent.isClosed()) {
                try {
                    silent.receive(new DatagramPacket(buf, buf.length));
                    lookups.incrementAndGet();
                } catch (IOException closed) {
                    return;
                }
            }
        }, "silent-resolver");
        sink.setDaemon(true);
        sink.start();
        Map<String, Integer> ports = Map.of("PRIMARY", ProxyProcess.freePort(), "UPSTREAM", ProxyProcess.freePort(),
                "TIMEOUT", ProxyProcess.freePort(), "SILENT", silent.getLocalPort());
        int dns = ports.get("PRIMARY");
        try (silent; ProxyProcess proxy = ProxyProcess.start(bootstrap(admin, ports, table), admin);
             DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            s.setSoTimeout(5000);
            byte[][] garbage = {
                {0x12, 0x34, 0x01},                                          // a header cut short
                {0x55, 0x66, (byte) 0x81, (byte) 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1}, // a response
                {0x77, 0x01, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, (byte) 0xC0, 12, 0, 1, 0, 1}, // a pointer to itself
                {0x77, 0x02, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 60, 'a', 'b'},   // a label longer than the packet
            };
            for (byte[] g : garbage) {
                s.send(new DatagramPacket(g, g.length, InetAddress.getLoopbackAddress(), dns));
                byte[] buf = new byte[600];
                DatagramPacket reply = new DatagramPacket(buf, buf.length);
                s.receive(reply);
                assertEquals(12, reply.getLength(), "a bare header");
                assertEquals(g[0], buf[0], "the ID as far as it was read");
                assertEquals(1, buf[3] & 0x0F, "FORMERR");
                assertEquals(0x80, buf[2] & 0x80, "a response");
            }
            assertEquals(4, proxy.stat("dns_filter.primary.downstream_rx_invalid_queries"));
            assertEquals(1, proxy.stat("dns_filter.primary.queries_with_ans_or_authority_rrs"));
            assertEquals(2, proxy.stat("dns_filter.primary.query_buffer_underflow"));
            assertEquals(2, proxy.stat("dns_filter.primary.query_parsing_failure"));
            assertEquals(List.of("www.example.com. 60 IN AAAA 2001:db8::1"), dig(dns, "www.example.com", "AAAA").answers());
            assertEquals(List.of("external.test. 300 IN A 192.0.2.10"), dig(dns, "external.test", "A").answers(),
                    "the JSON table of the second listener answers the forwarded query");

            assertEquals("NXDOMAIN", dig(ports.get("TIMEOUT"), "nowhere.test", "A").status());
            assertTrue(lookups.get() >= 2, "the lookup and its retry reached the resolver: " + lookups.get());
            assertEquals(1, proxy.stat("dns_filter.timeout.externally_resolved_queries"));
            assertEquals(1, proxy.stat("dns_filter.timeout.unanswered_queries"));
        } catch (IOException e) {
            throw new AssertionError("no answer to a malformed query", e);
        }
    }
}

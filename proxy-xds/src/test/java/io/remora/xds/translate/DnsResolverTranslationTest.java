package io.remora.xds.translate;

import io.remora.config.ClusterConfig;
import io.remora.config.DnsResolverConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A DNS cluster's resolver (typed_dns_resolver_config, dns_resolution_config, dns_resolvers,
 * use_tcp_for_dns_lookups), respect_dns_ttl and dns_failure_refresh_rate, and the bootstrap's
 * resolver, chosen as Envoy chooses them.
 */
class DnsResolverTranslationTest {
    private static final String CARES = "type.googleapis.com/envoy.extensions.network.dns_resolver.cares.v3"
            + ".CaresDnsResolverConfig";

    private static io.remora.xds.bootstrap.LoadedBootstrap load(String clusterFields, String bootstrapFields) {
        String yaml = """
                static_resources:
                  clusters:
                  - name: c
                    type: STRICT_DNS
                FIELDS
                    load_assignment: { cluster_name: c }
                """.replace("FIELDS", clusterFields.indent(4).stripTrailing()) + bootstrapFields;
        return new BootstrapLoader().loadString(yaml, "test.yaml");
    }

    private static ClusterConfig cluster(String fields) {
        return load(fields, "").model().clusters().get("c");
    }

    private static InetSocketAddress at(String ip, int port) throws Exception {
        return new InetSocketAddress(java.net.InetAddress.getByName(ip), port);
    }

    @Test
    void nothingDnsSpecificLeavesTheResolverToTheBootstrap() {
        ClusterConfig c = cluster("dns_refresh_rate: 2s");
        assertNull(c.dnsResolver());
        assertFalse(c.respectDnsTtl());
        assertNull(c.dnsFailureRefresh());
        assertNull(DnsResolverTranslator.bootstrap(io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap.getDefaultInstance(),
                TranslationContext.lenient()));
    }

    @Test
    void legacyDnsResolversWithTcp() throws Exception {
        DnsResolverConfig r = cluster("""
                dns_resolvers: [ { socket_address: { address: 10.0.0.53, port_value: 5353 } },
                                 { socket_address: { address: "::1" } } ]
                use_tcp_for_dns_lookups: true
                """).dnsResolver();
        assertEquals(DnsResolverConfig.Kind.NAME_SERVERS, r.kind());
        assertEquals(List.of(at("10.0.0.53", 5353), at("::1", 53)), r.nameServers());
        assertTrue(r.useTcp());
    }

    @Test
    void useTcpWithoutResolversIsWarnedAndLeavesTheBootstrapResolver() {
        var lb = load("use_tcp_for_dns_lookups: true", "");
        assertNull(lb.model().clusters().get("c").dnsResolver());
        assertTrue(lb.warnings().stream().anyMatch(w -> w.contains("use_tcp_for_dns_lookups")), lb.warnings().toString());
    }

    @Test
    void dnsResolutionConfig() throws Exception {
        DnsResolverConfig r = cluster("""
                dns_resolution_config:
                  resolvers: [ { socket_address: { address: 127.0.0.1, port_value: 1053 } } ]
                  dns_resolver_options: { use_tcp_for_dns_lookups: true, no_default_search_domain: true }
                """).dnsResolver();
        assertEquals(List.of(at("127.0.0.1", 1053)), r.nameServers());
        assertTrue(r.useTcp());
        assertTrue(r.noDefaultSearchDomain());
    }

    @Test
    void typedCaresWinsOverDnsResolutionConfig() throws Exception {
        var lb = load("""
                dns_resolution_config:
                  resolvers: [ { socket_address: { address: 127.0.0.9, port_value: 53 } } ]
                typed_dns_resolver_config:
                  name: envoy.network.dns_resolver.cares
                  typed_config:
                    "@type": %s
                    resolvers: [ { socket_address: { address: 127.0.0.1, port_value: 1053 } } ]
                    use_resolvers_as_fallback: true
                    query_timeout_seconds: 2
                    rotate_nameservers: true
                """.formatted(CARES), "");
        DnsResolverConfig r = lb.model().clusters().get("c").dnsResolver();
        assertEquals(List.of(at("127.0.0.1", 1053)), r.nameServers());
        assertTrue(r.nameServersAsFallback());
        assertFalse(r.useTcp());
        assertEquals(Duration.ofSeconds(2), r.queryTimeout());
        assertTrue(lb.warnings().stream().anyMatch(w -> w.contains("rotate_nameservers")), lb.warnings().toString());
    }

    @Test
    void typedGetaddrinfoIsTheSystemResolver() {
        assertEquals(DnsResolverConfig.SYSTEM, cluster("""
                typed_dns_resolver_config:
                  name: envoy.network.dns_resolver.getaddrinfo
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.network.dns_resolver.getaddrinfo.v3.GetAddrInfoDnsResolverConfig
                """).dnsResolver());
    }

    @Test
    void getaddrinfoNumRetriesBoundsTheRetriesAfterEaiAgain() {
        String typed = """
                typed_dns_resolver_config:
                  name: envoy.network.dns_resolver.getaddrinfo
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.network.dns_resolver.getaddrinfo.v3.GetAddrInfoDnsResolverConfig
                    num_retries: %s
                """;
        var lb = load(typed.formatted("3"), "");
        assertEquals(DnsResolverConfig.getAddrInfo(3, 1), lb.model().clusters().get("c").dnsResolver());
        assertTrue(lb.warnings().stream().noneMatch(w -> w.contains("num_retries")), lb.warnings().toString());
        assertEquals(0, cluster(typed.formatted("0")).dnsResolver().numRetries(), "0: the one try only");
        // A uint32: the largest is endless in practice, never a negative int.
        assertEquals(Integer.MAX_VALUE - 1, cluster(typed.formatted("4294967295")).dnsResolver().numRetries());
    }

    @Test
    void getaddrinfoNumResolverThreadsIsNotInThisApi() {
        // Envoy's newer num_resolver_threads: the 1.0.49 API has no such field, so the config is refused by name.
        Exception e = assertThrows(RuntimeException.class, () -> cluster("""
                typed_dns_resolver_config:
                  name: envoy.network.dns_resolver.getaddrinfo
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.network.dns_resolver.getaddrinfo.v3.GetAddrInfoDnsResolverConfig
                    num_resolver_threads: 4
                """));
        assertTrue(e.getMessage().contains("num_resolver_threads"), e.getMessage());
    }

    @Test
    void aDnsCacheUsesTheBootstrapsTypedResolverOnly() {
        String typed = """
                typed_dns_resolver_config:
                  name: envoy.network.dns_resolver.getaddrinfo
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.network.dns_resolver.getaddrinfo.v3.GetAddrInfoDnsResolverConfig
                """;
        var withTyped = load("", typed).proto();
        assertEquals(DnsResolverConfig.SYSTEM, DnsResolverTranslator.bootstrapTyped(withTyped, TranslationContext.lenient()));
        var withResolution = load("", """
                dns_resolution_config: { resolvers: [ { socket_address: { address: 10.0.0.53, port_value: 53 } } ] }
                """).proto();
        assertTrue(DnsResolverTranslator.bootstrap(withResolution, TranslationContext.lenient()) != null);
        assertNull(DnsResolverTranslator.bootstrapTyped(withResolution, TranslationContext.lenient()),
                "DnsCacheImpl::selectDnsResolver takes the bootstrap's typed_dns_resolver_config, nothing else");
    }

    @Test
    void anotherResolverTypeIsRefusedWithItsPath() {
        TranslationException e = assertThrows(TranslationException.class, () -> cluster("""
                typed_dns_resolver_config:
                  name: envoy.network.dns_resolver.apple
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.network.dns_resolver.apple.v3.AppleDnsResolverConfig
                """));
        assertTrue(e.getMessage().startsWith("static_resources.clusters[0].typed_dns_resolver_config.typed_config: "),
                e.getMessage());
        assertTrue(e.getMessage().contains("AppleDnsResolverConfig"), e.getMessage());
    }

    @Test
    void aResolverMustBeAnIpAddress() {
        TranslationException e = assertThrows(TranslationException.class, () -> cluster(
                "dns_resolvers: [ { socket_address: { address: dns.example.com, port_value: 53 } } ]"));
        assertTrue(e.getMessage().startsWith("static_resources.clusters[0].dns_resolvers[0].socket_address.address: "),
                e.getMessage());
    }

    @Test
    void respectDnsTtlAndFailureRefreshRate() {
        ClusterConfig c = cluster("""
                respect_dns_ttl: true
                dns_failure_refresh_rate: { base_interval: 2s }
                """);
        assertTrue(c.respectDnsTtl());
        assertEquals(new ClusterConfig.DnsFailureRefresh(Duration.ofSeconds(2), Duration.ofSeconds(20)),
                c.dnsFailureRefresh());
        TranslationException e = assertThrows(TranslationException.class, () -> cluster(
                "dns_failure_refresh_rate: { base_interval: 2s, max_interval: 1s }"));
        assertTrue(e.getMessage().startsWith("static_resources.clusters[0].dns_failure_refresh_rate.max_interval: "),
                e.getMessage());
    }

    @Test
    void dnsJitter() {
        assertEquals(Duration.ofMillis(1500), cluster("dns_jitter: 1.5s").dnsJitter());
        assertNull(cluster("").dnsJitter());
        TranslationException e = assertThrows(TranslationException.class, () -> cluster("dns_jitter: -1s"));
        assertTrue(e.getMessage().startsWith("static_resources.clusters[0].dns_jitter: "), e.getMessage());
    }

    @Test
    void respectDnsTtlAndResolversAreNoLongerWarned() {
        var lb = load("""
                respect_dns_ttl: true
                dns_resolvers: [ { socket_address: { address: 127.0.0.1, port_value: 53 } } ]
                """, "");
        assertTrue(lb.warnings().stream().noneMatch(w -> w.contains("respect_dns_ttl") || w.contains("dns_resolvers")),
                lb.warnings().toString());
    }

    @Test
    void bootstrapResolverAndItsErrors() throws Exception {
        var b = io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap.newBuilder()
                .setDnsResolutionConfig(io.envoyproxy.envoy.config.core.v3.DnsResolutionConfig.newBuilder()
                        .addResolvers(io.envoyproxy.envoy.config.core.v3.Address.newBuilder().setSocketAddress(
                                io.envoyproxy.envoy.config.core.v3.SocketAddress.newBuilder()
                                        .setAddress("127.0.0.1").setPortValue(1053))))
                .build();
        assertEquals(List.of(at("127.0.0.1", 1053)),
                DnsResolverTranslator.bootstrap(b, TranslationContext.lenient()).nameServers());
        TranslationException e = assertThrows(TranslationException.class, () -> load("", """
                typed_dns_resolver_config:
                  name: custom
                  typed_config:
                    "@type": type.googleapis.com/google.protobuf.Struct
                """));
        assertTrue(e.getMessage().startsWith("typed_dns_resolver_config.typed_config: "), e.getMessage());
    }
}

package io.remora.xds.translate;

import io.remora.config.AutoSniConfig;
import io.remora.config.ClusterConfig;
import io.remora.config.DnsCacheConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.bootstrap.LoadedBootstrap;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dynamic forward proxy cluster type and filter as Envoy validates them. */
class DynamicForwardProxyTranslationTest {

    static final String CACHE = "{ name: c, dns_lookup_family: V4_ONLY, host_ttl: 2s, max_hosts: 7,"
            + " dns_cache_circuit_breaker: { max_pending_requests: 3 },"
            + " preresolve_hostnames: [{ address: a.example, port_value: 8443 }] }";

    /** A bootstrap with the filter (cache {@code filterCache}, none when null) and cluster dfp of these fields. */
    static String bootstrap(String filterCache, String clusterConfig, String clusterFields) {
        String filters = filterCache == null ? "" : HcmListenerYaml.filter("envoy.filters.http.dynamic_forward_proxy",
                "type.googleapis.com/envoy.extensions.filters.http.dynamic_forward_proxy.v3.FilterConfig",
                "dns_cache_config: " + filterCache);
        return HcmListenerYaml.listener("", filters, HcmListenerYaml.catchAllHost("", "route: { cluster: dfp }"))
                + """
                  clusters:
                  - name: dfp
                    connect_timeout: 1s
                """ + clusterFields.indent(4) + """
                    cluster_type:
                      name: envoy.clusters.dynamic_forward_proxy
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.clusters.dynamic_forward_proxy.v3.ClusterConfig
                """ + clusterConfig.indent(8);
    }

    static LoadedBootstrap load(String yaml) {
        return new BootstrapLoader().loadString(yaml, "test.yaml");
    }

    static TranslationException refused(String yaml) {
        return assertThrows(TranslationException.class, () -> load(yaml));
    }

    static final String TYPED = "static_resources.clusters[0].cluster_type.typed_config";

    @Test
    void cacheConfigWithEnvoysDefaultsAndTheClusterSecureByDefault() {
        ClusterConfig c = load(bootstrap(CACHE, "dns_cache_config: " + CACHE, "lb_policy: CLUSTER_PROVIDED"))
                .model().clusters().get("dfp");
        assertEquals(ClusterConfig.DiscoveryType.DYNAMIC_FORWARD_PROXY, c.type());
        DnsCacheConfig cache = c.dnsCache();
        assertEquals("c", cache.name());
        assertEquals(ClusterConfig.DnsLookupFamily.V4_ONLY, cache.lookupFamily());
        assertEquals(Duration.ofSeconds(2), cache.hostTtl());
        assertEquals(Duration.ofSeconds(60), cache.refreshRate());
        assertEquals(Duration.ofSeconds(5), cache.minRefreshRate());
        assertEquals(7, cache.maxHosts());
        assertEquals(3, cache.maxPendingRequests());
        assertEquals(List.of("a.example:8443"), cache.preresolve());
        // Envoy's factory: no upstream_http_protocol_options at all means auto_sni and auto_san_validation.
        assertEquals(AutoSniConfig.of(true, true, ""), c.autoSni());
    }

    @Test
    void aCachesResolverIsItsTypedOrResolutionConfigAndLegacyTcpIsKeptApart() {
        DnsCacheConfig none = load(bootstrap(null, "dns_cache_config: { name: c }", "")).model().clusters().get("dfp")
                .dnsCache();
        assertEquals(null, none.resolver(), "the bootstrap's typed config, else c-ares' default");
        assertTrue(!none.useTcpForDnsLookups());
        DnsCacheConfig tcp = load(bootstrap(null, "dns_cache_config: { name: c, use_tcp_for_dns_lookups: true }", ""))
                .model().clusters().get("dfp").dnsCache();
        assertEquals(null, tcp.resolver(), "a bootstrap typed config still comes first");
        assertTrue(tcp.useTcpForDnsLookups());
        DnsCacheConfig own = load(bootstrap(null, "dns_cache_config: { name: c, dns_resolution_config: { resolvers:"
                + " [ { socket_address: { address: 127.0.0.1, port_value: 5353 } } ] } }", "")).model().clusters()
                .get("dfp").dnsCache();
        assertEquals(List.of(new java.net.InetSocketAddress("127.0.0.1", 5353)), own.resolver().nameServers());
    }

    @Test
    void aCacheOfTheSameNameWithOtherSettingsIsRefused() {
        TranslationException e = refused(bootstrap(CACHE.replace("max_hosts: 7", "max_hosts: 8"),
                "dns_cache_config: " + CACHE, ""));
        assertTrue(e.getMessage().contains("dns_cache_config"), e.getMessage());
        assertTrue(e.getMessage().contains("with different settings"), e.getMessage());
    }

    @Test
    void onlyClusterProvidedBalancing() {
        TranslationException e = refused(bootstrap(null, "dns_cache_config: " + CACHE, "lb_policy: RING_HASH"));
        assertTrue(e.getMessage().contains("lb_policy"), e.getMessage());
        load(bootstrap(null, "dns_cache_config: " + CACHE, "")); // unset is accepted
    }

    @Test
    void subClustersAreRefusedNamingTheField() {
        TranslationException e = refused(bootstrap(null, "sub_clusters_config: { max_sub_clusters: 2 }", ""));
        assertTrue(e.getMessage().contains(TYPED + ".sub_clusters_config"), e.getMessage());
        TranslationException f = refused(HcmListenerYaml.listener("", HcmListenerYaml.filter(
                "envoy.filters.http.dynamic_forward_proxy",
                "type.googleapis.com/envoy.extensions.filters.http.dynamic_forward_proxy.v3.FilterConfig",
                "sub_cluster_config: {}"), HcmListenerYaml.catchAllHost("", "route: { cluster: c1 }"))
                + HcmListenerYaml.CLUSTER_C1);
        assertTrue(f.getMessage().contains("sub_cluster_config"), f.getMessage());
    }

    @Test
    void anInsecureClusterNeedsAllowInsecureClusterOptions() {
        String typedWithoutSni = """
                typed_extension_protocol_options:
                  envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                    "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                    explicit_http_config: { http_protocol_options: {} }
                """;
        TranslationException e = refused(bootstrap(null, "dns_cache_config: " + CACHE, typedWithoutSni));
        assertTrue(e.getMessage().contains("allow_insecure_cluster_options"), e.getMessage());
        TranslationException sniOnly = refused(bootstrap(null, "dns_cache_config: " + CACHE,
                "upstream_http_protocol_options: { auto_sni: true }"));
        assertTrue(sniOnly.getMessage().contains("static_resources.clusters[0].upstream_http_protocol_options"), sniOnly.getMessage());
        ClusterConfig allowed = load(bootstrap(null, "dns_cache_config: " + CACHE
                + "\nallow_insecure_cluster_options: true", typedWithoutSni)).model().clusters().get("dfp");
        assertEquals(null, allowed.autoSni());
    }

    @Test
    void badCacheFieldsAreNamed() {
        TranslationException e = refused(bootstrap(null, "dns_cache_config: { name: c, max_hosts: 1,"
                + " preresolve_hostnames: [{ address: a, port_value: 1 }, { address: b, port_value: 2 }] }", ""));
        assertTrue(e.getMessage().contains(TYPED + ".dns_cache_config.preresolve_hostnames"), e.getMessage());
        TranslationException n = refused(bootstrap(null, "dns_cache_config: { dns_lookup_family: V4_ONLY }", ""));
        assertTrue(n.getMessage().contains(TYPED + ".dns_cache_config.name"), n.getMessage());
    }
}

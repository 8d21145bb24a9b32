package io.remora.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * lb_subset_config with a route's metadata_match through a running proxy: three upstreams whose
 * endpoints carry envoy.lb version and stage; a route's criteria pick their subset, other requests
 * take the fallback (default_subset, or none), or their selector's own. A request's own envoy.lb
 * dynamic metadata (header_to_metadata from x-version) joins the route's criteria and wins over them.
 */
class SubsetLoadBalancingE2ETest {

    static final List<TestUpstream> UPSTREAMS = new java.util.ArrayList<>();
    static ProxyProcess proxy;
    static int port;
    static final HttpClient client = HttpClient.newHttpClient();

    static String endpoint(int port, String version, String stage) {
        return "{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: " + port + " } } },"
                + " metadata: { filter_metadata: { envoy.lb: { version: " + version + ", stage: " + stage + " } } } }";
    }

    @BeforeAll
    static void start() throws Exception {
        for (String name : List.of("v1-prod", "v1-canary", "v2-prod")) {
            UPSTREAMS.add(TestUpstream.text(name));
        }
        int admin = ProxyProcess.freePort();
        port = ProxyProcess.freePort();
        String endpoints = "[" + endpoint(UPSTREAMS.get(0).port(), "v1", "prod") + ", "
                + endpoint(UPSTREAMS.get(1).port(), "v1", "canary") + ", "
                + endpoint(UPSTREAMS.get(2).port(), "v2", "prod") + "]";
        String routes = """
                - match: { prefix: "/v1-canary" }
                  route: { cluster: fallback-default, metadata_match: { filter_metadata: { envoy.lb: { version: v1, stage: canary } } } }
                - match: { prefix: "/v1" }
                  route: { cluster: fallback-default, metadata_match: { filter_metadata: { envoy.lb: { version: v1 } } } }
                - match: { prefix: "/weighted" }
                  route:
                    metadata_match: { filter_metadata: { envoy.lb: { version: v1 } } }
                    weighted_clusters:
                      clusters:
                      - name: fallback-default
                        weight: 1
                        metadata_match: { filter_metadata: { envoy.lb: { stage: canary } } }
                - match: { prefix: "/v9" }
                  route: { cluster: fallback-default, metadata_match: { filter_metadata: { envoy.lb: { version: v9 } } } }
                - match: { prefix: "/strict" }
                  route: { cluster: no-fallback }
                - match: { prefix: "/ps/v9" }
                  route: { cluster: per-selector, metadata_match: { filter_metadata: { envoy.lb: { version: v9 } } } }
                - match: { prefix: "/ps/v1-gamma" }
                  route: { cluster: per-selector, metadata_match: { filter_metadata: { envoy.lb: { version: v1, stage: gamma } } } }
                - match: { prefix: "/ps/beta" }
                  route: { cluster: per-selector, metadata_match: { filter_metadata: { envoy.lb: { stage: beta } } } }
                - match: { prefix: "/ps/no-stage" }
                  route: { cluster: per-selector, metadata_match: { filter_metadata: { envoy.lb: { stage: none } } } }
                - match: { prefix: "/ps/zone" }
                  route: { cluster: per-selector, metadata_match: { filter_metadata: { envoy.lb: { zone: a } } } }
                - match: { prefix: "/" }
                  route: { cluster: fallback-default }
                """;
        String clusters = """
                - name: fallback-default
                  connect_timeout: 1s
                  lb_subset_config:
                    fallback_policy: DEFAULT_SUBSET
                    default_subset: { version: v2 }
                    subset_selectors: [{ keys: [version] }, { keys: [version, stage] }]
                  load_assignment: { cluster_name: fallback-default, endpoints: [{ lb_endpoints: EPS }] }
                - name: no-fallback
                  connect_timeout: 1s
                  lb_subset_config: { subset_selectors: [{ keys: [version] }] }
                  load_assignment: { cluster_name: no-fallback, endpoints: [{ lb_endpoints: EPS }] }
                - name: per-selector
                  connect_timeout: 1s
                  lb_subset_config:
                    fallback_policy: NO_FALLBACK
                    default_subset: { version: v2 }
                    list_as_any: true
                    subset_selectors:
                    - { keys: [version], fallback_policy: ANY_ENDPOINT }
                    - { keys: [version, stage], fallback_policy: KEYS_SUBSET, fallback_keys_subset: [version] }
                    - { keys: [stage], fallback_policy: DEFAULT_SUBSET }
                  load_assignment: { cluster_name: per-selector, endpoints: [{ lb_endpoints: LISTED }] }
                """.replace("EPS", endpoints).replace("LISTED", endpoints.replace("version: v1, stage: prod",
                "version: v1, stage: [prod, beta]"));
        String headerToMetadata = """
                - name: envoy.filters.http.header_to_metadata
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.header_to_metadata.v3.Config
                    request_rules:
                    - header: x-version
                      on_header_present: { metadata_namespace: envoy.lb, key: version, type: STRING }
                """;
        String yaml = Bootstraps.http(admin, port, io.remora.testing.TempPaths.file("subset", ".log").toString(),
                routes, clusters, "", headerToMetadata);
        proxy = ProxyProcess.start(yaml, admin, List.of());
    }

    @AfterAll
    static void stop() throws Exception {
        close(proxy, UPSTREAMS);
    }

    static void close(ProxyProcess proxy, List<TestUpstream> upstreams) throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        for (TestUpstream u : upstreams) {
            u.close();
        }
    }

    /** The upstreams that answered ten requests to this path; a status other than 200 is its own entry. */
    static Set<String> answers(String path) throws Exception {
        return answers(port, path);
    }

    /** As {@link #answers(String)}, through the proxy listening on {@code port}. */
    static Set<String> answers(int port, String path) throws Exception {
        return answers(port, path, null);
    }

    /** As {@link #answers(int, String)}, with {@code x-version} when not null. */
    static Set<String> answers(int port, String path, String version) throws Exception {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
            if (version != null) {
                b.header("x-version", version);
            }
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            seen.add(r.statusCode() == 200 ? r.body() : r.statusCode() + " " + r.body());
        }
        return seen;
    }

    @Test
    void criteriaPickTheirSubset() throws Exception {
        assertEquals(Set.of("v1-prod", "v1-canary"), answers("/v1"));
        assertEquals(Set.of("v1-canary"), answers("/v1-canary"), "a selector of two keys");
        assertEquals(Set.of("v1-canary"), answers("/weighted"), "the weighted cluster's criteria merged into the route's");
    }

    /** Envoy's Router::metadataMatchCriteria: the request's envoy.lb metadata merged over the route's. */
    @Test
    void theRequestsEnvoyLbMetadataJoinsTheCriteria() throws Exception {
        assertEquals(Set.of("v1-prod", "v1-canary"), answers(port, "/", "v1"), "no route criteria: the request's");
        assertEquals(Set.of("v2-prod"), answers(port, "/v1-canary", "v2"),
                "the request's version wins: v2 canary is no subset, default_subset");
    }

    @Test
    void everythingElseTakesTheFallback() throws Exception {
        assertEquals(Set.of("v2-prod"), answers("/"), "no criteria: default_subset");
        assertEquals(Set.of("v2-prod"), answers("/v9"), "values no host has: default_subset");
        assertEquals(Set.of("503 no healthy upstream"), answers("/strict"), "NO_FALLBACK, Envoy's default");
    }

    /** Selectors' own fallback_policy, KEYS_SUBSET narrowing the criteria, and list_as_any. */
    @Test
    void selectorsFallBackTheirOwnWay() throws Exception {
        assertEquals(Set.of("v1-prod", "v1-canary", "v2-prod"), answers("/ps/v9"), "ANY_ENDPOINT of [version]");
        assertEquals(Set.of("v1-prod", "v1-canary"), answers("/ps/v1-gamma"), "KEYS_SUBSET: version alone");
        assertEquals(Set.of("v1-prod"), answers("/ps/beta"), "list_as_any: stage [prod, beta] holds beta");
        assertEquals(Set.of("v2-prod"), answers("/ps/no-stage"), "DEFAULT_SUBSET of [stage]");
        assertEquals(Set.of("503 no healthy upstream"), answers("/ps/zone"), "no such selector: the cluster's NO_FALLBACK");
    }

    /**
     * Envoy's SubsetLoadBalancer counts each subset the host set makes (lb_subsets_created) and keeps those with hosts
     * in lb_subsets_active: [version] makes v1 and v2, [version, stage] v1/prod, v1/canary and v2/prod.
     */
    @Test
    void subsetsMadeAreCountedAndActive() throws Exception {
        assertEquals(5.0, proxy.stat("cluster.fallback-default.lb_subsets_created"));
        assertEquals(5.0, proxy.stat("cluster.fallback-default.lb_subsets_active"));
        assertEquals(0.0, proxy.stat("cluster.fallback-default.lb_subsets_removed"));
        assertEquals(2.0, proxy.stat("cluster.no-fallback.lb_subsets_active"));
    }
}

package io.remora.extensions.filters.http.local_ratelimit;

import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.HeaderMutation;
import io.remora.config.QueryParameterMatcher;
import io.remora.config.RateLimitPolicy;
import io.remora.runtime.FractionalPercent;
import io.remora.runtime.FractionalPercent.Denominator;
import io.remora.ratelimit.TokenBucketSpec;
import io.remora.extensions.filters.common.RuntimeFraction;
import io.remora.extensions.filters.http.common.DescriptorEntry;
import io.remora.extensions.filters.http.common.DescriptorEvaluator;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LocalRateLimit configs as Envoy reads them, and refused ones naming the field. */
class LocalRateLimitTranslationTest {

    static final String FILTER = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config"
            + ".http_filters[0].typed_config";

    static String bootstrap(String body, String perRoute) {
        return HcmListenerYaml.listener("",
                HcmListenerYaml.filter("envoy.filters.http.local_ratelimit",
                        "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit", body),
                HcmListenerYaml.catchAllHost("", "route: { cluster: c1 }\n" + perRoute))
                + HcmListenerYaml.CLUSTER_C1;
    }

    static HttpConnectionManagerConfig hcm(String yaml) {
        var model = new BootstrapLoader().loadString(yaml, "test.yaml").model();
        return (HttpConnectionManagerConfig) model.listeners().get(0).filterChains().get(0).terminalFilter();
    }

    static LocalRateLimitConfig config(String body) {
        return (LocalRateLimitConfig) hcm(bootstrap(body, "")).httpFilters().get(0).config();
    }

    static TranslationException refused(String body, String perRoute) {
        TranslationException e = assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(bootstrap(body, perRoute), "test.yaml"));
        System.out.println("refused: " + e.getMessage());
        return e;
    }

    @Test
    void fullConfig() {
        LocalRateLimitConfig c = config("""
                stat_prefix: http_local_rate_limiter
                status: { code: ServiceUnavailable }
                token_bucket: { max_tokens: 10, tokens_per_fill: 5, fill_interval: 2s }
                filter_enabled: { runtime_key: le, default_value: { numerator: 100, denominator: HUNDRED } }
                filter_enforced: { runtime_key: lf, default_value: { numerator: 50, denominator: TEN_THOUSAND } }
                response_headers_to_add:
                - append_action: OVERWRITE_IF_EXISTS_OR_ADD
                  header: { key: x-local-rate-limit, value: "true" }
                request_headers_to_add_when_not_enforced:
                - header: { key: x-shadow, value: "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%" }
                enable_x_ratelimit_headers: DRAFT_VERSION_03
                local_rate_limit_per_downstream_connection: true
                stage: 3
                always_consume_default_token_bucket: false
                rate_limited_as_resource_exhausted: true
                descriptors:
                - entries: [{ key: client, value: alice }]
                  token_bucket: { max_tokens: 1, fill_interval: 4s }
                - entries: [{ key: client, value: "" }]
                  token_bucket: { max_tokens: 2, fill_interval: 2s }
                rate_limits:
                - actions:
                  - request_headers: { header_name: x-client, descriptor_key: client }
                - actions:
                  - generic_key: { descriptor_value: g }
                  - header_value_match: { descriptor_value: m, headers: [{ name: x-m, present_match: true }] }
                  - remote_address: {}
                - actions:
                  - query_parameter_value_match: { descriptor_value: q, expect_match: false, query_parameters: [{ name: a }] }
                  - query_parameter_value_match:
                      descriptor_key: k
                      descriptor_value: v
                      query_parameters: [{ name: b, string_match: { prefix: x } }]
                """);
        assertEquals("http_local_rate_limiter", c.statPrefix());
        assertEquals(503, c.status());
        assertEquals(new TokenBucketSpec(10, 5, 2000), c.tokenBucket());
        assertEquals(new RuntimeFraction("le", new FractionalPercent(100, Denominator.HUNDRED)), c.filterEnabled());
        assertEquals(new FractionalPercent(50, Denominator.TEN_THOUSAND), c.filterEnforced().defaultValue());
        assertEquals(new HeaderMutation.HeaderValueOption("x-local-rate-limit", "true",
                HeaderMutation.AppendAction.OVERWRITE_IF_EXISTS_OR_ADD, false), c.responseHeadersToAdd().get(0));
        assertEquals("x-shadow", c.requestHeadersToAddWhenNotEnforced().get(0).key());
        assertTrue(c.xRateLimitHeaders());
        assertTrue(c.perConnection());
        assertEquals(3, c.stage());
        assertFalse(c.alwaysConsumeDefaultBucket());
        assertTrue(c.rateLimitedAsResourceExhausted());
        assertEquals(List.of(new DescriptorEntry("client", "alice")), c.descriptors().get(0).entries());
        assertEquals(new TokenBucketSpec(1, 1, 4000), c.descriptors().get(0).tokenBucket());
        assertEquals(new RateLimitPolicy(List.of(new RateLimitPolicy.RequestHeaders("x-client", "client", false))),
                c.rateLimits().get(0));
        List<RateLimitPolicy.Action> second = c.rateLimits().get(1).actions();
        assertEquals(new RateLimitPolicy.GenericKey("generic_key", "g"), second.get(0));
        assertEquals("header_match", ((RateLimitPolicy.HeaderValueMatch) second.get(1)).descriptorKey());
        assertEquals(new RateLimitPolicy.RemoteAddress(), second.get(2));
        List<RateLimitPolicy.Action> third = c.rateLimits().get(2).actions();
        assertEquals(new RateLimitPolicy.QueryParameterValueMatch("query_match", "q", false,
                List.of(new QueryParameterMatcher("a", null, true))), third.get(0));
        var byPrefix = (RateLimitPolicy.QueryParameterValueMatch) third.get(1);
        assertEquals("k", byPrefix.descriptorKey());
        assertTrue(byPrefix.expectMatch());
        assertTrue(byPrefix.queryParameters().get(0).stringMatch().matches("xyz"));
    }

    @Test
    void routeAndVirtualHostRateLimits() {
        String yaml = bootstrap("stat_prefix: s\nvh_rate_limits: INCLUDE", "")
                .replace("route: { cluster: c1 }", String.join("\n                  ", "route:",
                        "cluster: c1",
                        "include_vh_rate_limits: true",
                        "rate_limits:",
                        "- stage: 2",
                        "  disable_key: rl_off",
                        "  actions:",
                        "  - source_cluster: {}",
                        "  - metadata: { descriptor_key: tier, metadata_key: { key: ns, path: [{ key: a }, { key: b }] },"
                                + " default_value: std, skip_if_absent: true }"))
                .replace("domains: [\"*\"]", "domains: [\"*\"]\n              rate_limits: [{ actions: [{ destination_cluster: {} }] }]");
        HttpConnectionManagerConfig hcm = hcm(yaml);
        assertEquals(DescriptorEvaluator.VhRateLimits.INCLUDE, ((LocalRateLimitConfig) hcm.httpFilters().get(0).config()).vhRateLimits());
        var vh = hcm.routeConfig().virtualHosts().get(0);
        assertEquals(List.of(new RateLimitPolicy(List.of(new RateLimitPolicy.DestinationCluster()))), vh.rateLimits());
        var forward = (io.remora.config.ForwardAction) vh.routes().get(0).action();
        assertTrue(forward.includeVhRateLimits());
        assertEquals(new RateLimitPolicy(2, "rl_off", List.of(new RateLimitPolicy.SourceCluster(),
                new RateLimitPolicy.MetadataValue("tier", io.remora.config.MetadataSource.DYNAMIC, "ns", List.of("a", "b"),
                        "std", true))), forward.rateLimits().get(0));

        TranslationException e = assertThrows(TranslationException.class, () -> new BootstrapLoader().loadString(
                yaml.replace("stage: 2", "stage: 11"), "test.yaml"));
        assertTrue(e.path().endsWith(".route_config.virtual_hosts[0].routes[0].route.rate_limits[0].stage"), e.path());
    }

    @Test
    void envoyDefaults() {
        LocalRateLimitConfig c = config("stat_prefix: s");
        assertEquals(429, c.status());
        assertNull(c.tokenBucket());
        assertNull(c.filterEnabled(), "unset filter_enabled is 0%: disabled");
        assertNull(c.filterEnforced());
        assertTrue(c.alwaysConsumeDefaultBucket());
        assertFalse(c.xRateLimitHeaders());
        assertEquals(20, c.maxDynamicDescriptors());
        // Below 400 is not an error code: Envoy answers 429 instead.
        assertEquals(429, config("stat_prefix: s\nstatus: { code: OK }").status());
    }

    @Test
    void equalConfigsAreEqualButOwnTheirBuckets() {
        LocalRateLimitConfig a = config("stat_prefix: s\ntoken_bucket: { max_tokens: 1, fill_interval: 1s }");
        LocalRateLimitConfig b = config("stat_prefix: s\ntoken_bucket: { max_tokens: 1, fill_interval: 1s }");
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotSame(a.runtime(), b.runtime());
    }

    @Test
    void perRouteConfig() {
        var m = hcm(bootstrap("stat_prefix: s", """
                typed_per_filter_config:
                  envoy.filters.http.local_ratelimit:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                    stat_prefix: route
                    token_bucket: { max_tokens: 3, fill_interval: 60s }
                """));
        var route = m.routeConfig().virtualHosts().get(0).routes().get(0);
        LocalRateLimitConfig c = (LocalRateLimitConfig) route.perFilterConfigs().get("envoy.filters.http.local_ratelimit")
                .config();
        assertEquals("route", c.statPrefix());
        assertEquals(3, c.tokenBucket().maxTokens());
    }

    @Test
    void badConfigsNameTheField() {
        assertEquals(FILTER + ".stat_prefix", refused("token_bucket: { max_tokens: 1, fill_interval: 1s }", "").path());
        assertEquals(FILTER + ".token_bucket.max_tokens",
                refused("stat_prefix: s\ntoken_bucket: { max_tokens: 0, fill_interval: 1s }", "").path());
        assertEquals(FILTER + ".token_bucket.fill_interval",
                refused("stat_prefix: s\ntoken_bucket: { max_tokens: 1, fill_interval: 0.01s }", "").path());
        assertEquals(FILTER + ".token_bucket.fill_interval",
                refused("stat_prefix: s\ntoken_bucket: { max_tokens: 1 }", "").path());
        assertEquals(FILTER + ".token_bucket.tokens_per_fill",
                refused("stat_prefix: s\ntoken_bucket: { max_tokens: 1, tokens_per_fill: 0, fill_interval: 1s }", "")
                        .path());
        assertEquals(FILTER + ".filter_enabled.default_value",
                refused("stat_prefix: s\nfilter_enabled: { runtime_key: k }", "").path());
        assertEquals(FILTER + ".descriptors[0].token_bucket.fill_interval", refused("""
                stat_prefix: s
                token_bucket: { max_tokens: 1, fill_interval: 1s }
                descriptors:
                - entries: [{ key: k, value: v }]
                  token_bucket: { max_tokens: 1, fill_interval: 1.5s }
                """, "").path());
        assertEquals(FILTER + ".descriptors[1]", refused("""
                stat_prefix: s
                descriptors:
                - entries: [{ key: k, value: v }]
                  token_bucket: { max_tokens: 1, fill_interval: 1s }
                - entries: [{ key: k, value: v }]
                  token_bucket: { max_tokens: 2, fill_interval: 1s }
                """, "").path());
        assertEquals(FILTER + ".descriptors[0].entries", refused("""
                stat_prefix: s
                descriptors:
                - token_bucket: { max_tokens: 1, fill_interval: 1s }
                """, "").path());
        assertEquals(FILTER + ".rate_limits[0].actions[1].request_headers.descriptor_key", refused("""
                stat_prefix: s
                rate_limits:
                - actions:
                  - generic_key: { descriptor_value: g }
                  - request_headers: { header_name: x }
                """, "").path());
        assertEquals(FILTER + ".rate_limits[0].actions[0].query_parameter_value_match.query_parameters", refused("""
                stat_prefix: s
                rate_limits:
                - actions:
                  - query_parameter_value_match: { descriptor_value: v }
                """, "").path());
        assertEquals(FILTER + ".rate_limits[0].actions[0].query_parameter_value_match.descriptor_value", refused("""
                stat_prefix: s
                rate_limits:
                - actions:
                  - query_parameter_value_match: { query_parameters: [{ name: a }] }
                """, "").path());
        assertEquals(FILTER + ".rate_limits[0].actions[0].extension.typed_config", refused("""
                stat_prefix: s
                rate_limits:
                - actions:
                  - extension: { name: custom }
                """, "").path());
        assertEquals(FILTER + ".response_headers_to_add[0].header.value", refused("""
                stat_prefix: s
                response_headers_to_add: [{ header: { key: x, value: "%NOT_AN_OPERATOR%" } }]
                """, "").path());
        TranslationException perRoute = refused("stat_prefix: s", """
                typed_per_filter_config:
                  envoy.filters.http.local_ratelimit:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                    stat_prefix: route
                """);
        assertTrue(perRoute.path().endsWith("typed_per_filter_config[\"envoy.filters.http.local_ratelimit\"].token_bucket"),
                perRoute.path());
    }

    static final String LOCAL_CLUSTER = "cluster_manager: { local_cluster_name: c1 }\n";

    @Test
    void localClusterRateLimitSharesTheBucketByTheLocalClustersMembers() {
        LocalRateLimitConfig c = (LocalRateLimitConfig) hcm(LOCAL_CLUSTER + bootstrap("""
                stat_prefix: shared
                token_bucket: { max_tokens: 4, fill_interval: 1000s }
                local_cluster_rate_limit: {}
                """, "")).httpFilters().get(0).config();
        assertTrue(c.localClusterShare());
        // Three members: each request takes three tokens, so four tokens pass one request.
        LocalRateLimiter limiter = new LocalRateLimiter(c, () -> 3);
        assertTrue(limiter.requestAllowed(List.of()).allowed());
        assertFalse(limiter.requestAllowed(List.of()).allowed());
        assertEquals(1, limiter.requestAllowed(List.of()).bucket().remainingTokens(), "a refusal takes nothing");
        // Without a local cluster name Envoy refuses the filter's config.
        io.remora.upstream.ClusterManager none = new io.remora.upstream.ClusterManager() {
            @Override
            public io.remora.upstream.Cluster get(String name) {
                return null;
            }

            @Override
            public java.util.Collection<io.remora.upstream.Cluster> all() {
                return List.of();
            }
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LocalClusterShare.requireLocalCluster(c, none));
        assertTrue(e.getMessage().contains("local_cluster_rate_limit is set but no local cluster name is present"),
                e.getMessage());
        assertEquals(1, LocalClusterShare.of(c, none).getAsLong());
    }

    @Test
    void aLocalClusterNameThatNamesNoStaticClusterRefusesTheBootstrap() {
        // Envoy's ClusterManagerImpl::initialize: "local cluster '<name>' must be defined" among the
        // static clusters, whatever reads the name (a cluster CDS would bring later does not count).
        TranslationException e = assertThrows(TranslationException.class, () -> new BootstrapLoader().loadString(
                "cluster_manager: { local_cluster_name: nowhere }\n" + bootstrap("""
                        stat_prefix: shared
                        token_bucket: { max_tokens: 4, fill_interval: 1s }
                        local_cluster_rate_limit: {}
                        """, ""), "test.yaml"));
        assertEquals("cluster_manager.local_cluster_name", e.path());
        assertTrue(e.getMessage().contains("local cluster 'nowhere' must be defined"), e.getMessage());
    }

    @Test
    void localClusterRateLimitWithoutALocalClusterIsRefusedOnTheFilterAndPerRoute() {
        // Envoy's FilterConfig throws "local_cluster_rate_limit is set but no local cluster name is
        // present" for the filter's config and a route's alike.
        TranslationException filter = refused("""
                stat_prefix: shared
                token_bucket: { max_tokens: 4, fill_interval: 1s }
                local_cluster_rate_limit: {}
                """, "");
        assertEquals(FILTER + ".local_cluster_rate_limit", filter.path());
        assertTrue(filter.getMessage().contains("local_cluster_rate_limit is set but no local cluster name is present"),
                filter.getMessage());
        String perRoute = """
                typed_per_filter_config:
                  envoy.filters.http.local_ratelimit:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                    stat_prefix: route
                    token_bucket: { max_tokens: 4, fill_interval: 1s }
                    local_cluster_rate_limit: {}
                """;
        TranslationException route = refused("stat_prefix: s", perRoute);
        assertTrue(route.path().endsWith(
                "typed_per_filter_config[\"envoy.filters.http.local_ratelimit\"].local_cluster_rate_limit"), route.path());
        assertTrue(route.getMessage().contains("no local cluster name is present"), route.getMessage());
        // With cluster_manager.local_cluster_name the same route is taken.
        var routed = hcm(LOCAL_CLUSTER + bootstrap("stat_prefix: s", perRoute));
        assertEquals(LocalRateLimitConfig.class, routed.httpFilters().get(0).config().getClass());
    }
}

package io.remora.extensions.filters.network.redis_proxy;

import io.remora.config.ClusterConfig;
import io.remora.config.HealthCheckConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RedisProxy, RedisProtocolOptions and the redis health checker: translated, or refused naming the field. */
class RedisProxyTranslationTest {

    static final String FILTER = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config";

    static String bootstrap(String body, String clusters) {
        return HcmListenerYaml.networkListener(HcmListenerYaml.filter("envoy.filters.network.redis_proxy",
                "type.googleapis.com/envoy.extensions.filters.network.redis_proxy.v3.RedisProxy", body)) + clusters;
    }

    static io.remora.xds.bootstrap.LoadedBootstrap load(String body, String clusters) {
        return new BootstrapLoader().loadString(bootstrap(body, clusters), "test.yaml");
    }

    static TranslationException refused(String body, String clusters) {
        return assertThrows(TranslationException.class, () -> load(body, clusters));
    }

    @Test
    void translatesEnvoysFields() {
        var loaded = load("""
                stat_prefix: r
                settings:
                  op_timeout: 0.25s
                  enable_hashtagging: true
                  max_buffer_size_before_flush: 1024
                  enable_command_stats: true
                  read_policy: REPLICA
                downstream_auth_password: { inline_string: one }
                downstream_auth_passwords: [{ inline_string: two }]
                prefix_routes:
                  case_insensitive: true
                  routes:
                  - prefix: "a:"
                    remove_prefix: true
                    cluster: c1
                    key_formatter: "{%KEY%}"
                    request_mirror_policy: [{ cluster: c1, exclude_read_commands: true }]
                faults:
                - fault_type: ERROR
                  fault_enabled: { default_value: { numerator: 10 } }
                  commands: [GET]
                """, HcmListenerYaml.CLUSTER_C1);
        RedisProxyConfig c = (RedisProxyConfig) loaded.model().listeners().get(0).filterChains().get(0).filters().get(0);
        assertEquals(Duration.ofMillis(250), c.settings().opTimeout());
        assertEquals(Duration.ofMillis(3), c.settings().bufferFlushTimeout(), "Envoy's default");
        assertEquals(100, c.settings().maxUpstreamUnknownConnections(), "Envoy's default");
        assertEquals(List.of("one", "two"), c.downstreamAuthPasswords());
        assertNull(c.routes().catchAll());
        assertEquals("{%KEY%}", c.routes().routes().get(0).keyFormatter());
        assertEquals(List.of("get"), c.faults().get(0).commands());
        assertTrue(loaded.warnings().stream().anyMatch(w -> w.contains("read_policy")), loaded.warnings().toString());
    }

    @Test
    void refusedNamingTheField() {
        assertEquals(FILTER + ".settings", refused("stat_prefix: r\nprefix_routes: { catch_all_route: { cluster: c1 } }",
                HcmListenerYaml.CLUSTER_C1).path());
        assertEquals(FILTER + ".settings.op_timeout", refused("stat_prefix: r\nsettings: {}\n"
                + "prefix_routes: { catch_all_route: { cluster: c1 } }", HcmListenerYaml.CLUSTER_C1).path());
        TranslationException none = refused("stat_prefix: r\nsettings: { op_timeout: 1s }", HcmListenerYaml.CLUSTER_C1);
        assertEquals(FILTER + ".prefix_routes", none.path());
        assertTrue(none.reason().contains("cannot configure a redis-proxy without any upstream"), none.reason());
        assertEquals(FILTER + ".prefix_routes.routes[1].prefix", refused("""
                stat_prefix: r
                settings: { op_timeout: 1s }
                prefix_routes: { case_insensitive: true, routes: [{ prefix: "ab", cluster: c1 }, { prefix: "AB", cluster: c1 }] }
                """, HcmListenerYaml.CLUSTER_C1).path());
        assertEquals(FILTER + ".external_auth_provider", refused("""
                stat_prefix: r
                settings: { op_timeout: 1s }
                prefix_routes: { catch_all_route: { cluster: c1 } }
                external_auth_provider: { grpc_service: { envoy_grpc: { cluster_name: c1 } } }
                """, HcmListenerYaml.CLUSTER_C1).path());
        assertEquals(FILTER + ".prefix_routes.catch_all_route.key_formatter", refused("""
                stat_prefix: r
                settings: { op_timeout: 1s }
                prefix_routes: { catch_all_route: { cluster: c1, key_formatter: "%KEY%-%FILTER_STATE(x)%" } }
                """, HcmListenerYaml.CLUSTER_C1).path());
    }

    /** settings.dns_cache_config is Envoy's shared DNS cache config: translated, checked, no longer ignored. */
    @Test
    void dnsCacheConfigIsTranslated() {
        var loaded = load("""
                stat_prefix: r
                settings: { op_timeout: 1s, enable_redirection: true, dns_cache_config: { name: rc, max_hosts: 7 } }
                prefix_routes: { catch_all_route: { cluster: c1 } }
                """, HcmListenerYaml.CLUSTER_C1);
        RedisProxyConfig c = (RedisProxyConfig) loaded.model().listeners().get(0).filterChains().get(0).filters().get(0);
        assertEquals("rc", c.settings().dnsCache().name());
        assertEquals(7, c.settings().dnsCache().maxHosts());
        assertTrue(loaded.warnings().isEmpty(), loaded.warnings().toString());
        assertEquals(FILTER + ".settings.dns_cache_config.name", refused("""
                stat_prefix: r
                settings: { op_timeout: 1s, dns_cache_config: { max_hosts: 7 } }
                prefix_routes: { catch_all_route: { cluster: c1 } }
                """, HcmListenerYaml.CLUSTER_C1).path());
    }

    private static final String OK_FILTER = """
            stat_prefix: r
            settings: { op_timeout: 1s }
            prefix_routes: { catch_all_route: { cluster: c1 } }
            """;

    @Test
    void clusterCredentialsReachTheHealthChecker() {
        var loaded = load(OK_FILTER, """
                  clusters:
                  - name: c1
                    connect_timeout: 1s
                    typed_extension_protocol_options:
                      envoy.filters.network.redis_proxy:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.redis_proxy.v3.RedisProtocolOptions
                        auth_username: { inline_string: u }
                        auth_password: { inline_string: p }
                    health_checks: [{ timeout: 1s, interval: 1s, unhealthy_threshold: 1, healthy_threshold: 1,
                      custom_health_check: { name: envoy.health_checkers.redis, typed_config: {
                        "@type": type.googleapis.com/envoy.extensions.health_checkers.redis.v3.Redis, key: maint } } }]
                """);
        ClusterConfig c = loaded.model().clusters().get("c1");
        RedisCredentials credentials = new RedisCredentials("u", "p");
        assertEquals(credentials, RedisCredentials.of(c.extensionProtocolOptions()));
        assertEquals(new HealthCheckConfig.Custom("envoy.health_checkers.redis",
                new RedisHealthCheck("maint", credentials)), c.healthChecks().get(0).checker());
    }

    @Test
    void redisClusterTypeIsRefusedAtItsField() {
        TranslationException e = refused(OK_FILTER, """
                  clusters:
                  - name: c1
                    connect_timeout: 1s
                    lb_policy: CLUSTER_PROVIDED
                    cluster_type:
                      name: envoy.clusters.redis
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.clusters.redis.v3.RedisClusterConfig
                """);
        assertEquals("static_resources.clusters[0].cluster_type", e.path());
        assertTrue(e.reason().contains("envoy.clusters.redis"), e.reason());
    }
}

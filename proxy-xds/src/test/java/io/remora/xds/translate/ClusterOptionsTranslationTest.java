package io.remora.xds.translate;

import io.remora.config.ClusterConfig;
import io.remora.config.ClusterLoadAssignment;
import io.remora.xds.bootstrap.LoadedBootstrap;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.remora.xds.translate.DynamicForwardProxyTranslationTest.load;
import static io.remora.xds.translate.DynamicForwardProxyTranslationTest.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Cluster and load assignment options as Envoy reads (and refuses) them. */
class ClusterOptionsTranslationTest {

    /** Cluster c1 with these fields, its load assignment's policy {@code policy} (YAML flow, or empty). */
    private static String bootstrap(String clusterFields, String policy) {
        String clusters = HcmListenerYaml.CLUSTER_C1 + (clusterFields.isEmpty() ? "" : clusterFields.indent(4));
        if (!policy.isEmpty()) {
            clusters = clusters.replace("      cluster_name: c1\n", "      cluster_name: c1\n      policy: " + policy + "\n");
        }
        return HcmListenerYaml.listener("", "route: { cluster: c1 }") + clusters;
    }

    private static ClusterConfig c1(LoadedBootstrap b) {
        return b.model().clusters().get("c1");
    }

    @Test
    void defaults() {
        ClusterConfig c = c1(load(bootstrap("", "")));
        assertEquals(Integer.MAX_VALUE, c.circuitBreakers().maxConnectionPools());
        assertFalse(c.circuitBreakers().trackRemaining());
        assertTrue(c.options().waitForWarmOnInit());
        assertFalse(c.options().ignoreNewHostsUntilFirstHc());
        assertEquals(ClusterLoadAssignment.Policy.NONE, c.loadAssignment().policy());
    }

    @Test
    void thresholdsPerPriorityAndClusterOptions() {
        ClusterConfig c = c1(load(bootstrap("""
                circuit_breakers:
                  thresholds:
                  - { max_connection_pools: 7, track_remaining: true }
                  - { priority: HIGH, max_requests: 9 }
                  - { priority: HIGH, max_requests: 3 }
                  - { max_connection_pools: 5 }
                common_lb_config:
                  ignore_new_hosts_until_first_hc: true
                  close_connections_on_host_set_change: true
                  update_merge_window: 3s
                track_cluster_stats: { timeout_budgets: true, request_response_sizes: true }
                wait_for_warm_on_init: false
                """, "{ endpoint_stale_after: 2s, weighted_priority_health: true }")));
        assertEquals(7, c.circuitBreakers().maxConnectionPools());
        assertTrue(c.circuitBreakers().trackRemaining());
        assertEquals(9, c.options().highCircuitBreakers().maxRequests(), "a priority's first entry, as Envoy");
        assertEquals(1024, c.options().highCircuitBreakers().maxConnections());
        assertTrue(c.options().ignoreNewHostsUntilFirstHc());
        assertTrue(c.options().closeConnectionsOnHostSetChange());
        assertTrue(c.options().trackTimeoutBudgets());
        assertTrue(c.options().trackRequestResponseSizes());
        assertFalse(c.options().waitForWarmOnInit());
        assertEquals(Duration.ofSeconds(2), c.loadAssignment().policy().endpointStaleAfter());
        assertTrue(c.loadAssignment().policy().weightedPriorityHealth());
    }

    @Test
    void dropOverloads() {
        ClusterLoadAssignment.Policy p = c1(load(bootstrap("", "{ drop_overloads: [ { category: lb,"
                + " drop_percentage: { numerator: 25, denominator: TEN_THOUSAND } } ] }"))).loadAssignment().policy();
        assertEquals("lb", p.dropCategory());
        assertEquals(0.0025, p.dropFraction(), 1e-9);
        TranslationException two = refused(bootstrap("", "{ drop_overloads: [ { category: a,"
                + " drop_percentage: { numerator: 1 } }, { category: b, drop_percentage: { numerator: 1 } } ] }"));
        assertTrue(two.getMessage().contains("static_resources.clusters[0].load_assignment.policy.drop_overloads"),
                two.getMessage());
        TranslationException over = refused(bootstrap("", "{ drop_overloads: [ { category: a,"
                + " drop_percentage: { numerator: 101 } } ] }"));
        assertTrue(over.getMessage().contains("drop_overloads[0].drop_percentage"), over.getMessage());
        TranslationException unnamed = refused(bootstrap("", "{ drop_overloads: [ { drop_percentage: { numerator: 1 } } ] }"));
        assertTrue(unnamed.getMessage().contains("drop_overloads[0].category"), unnamed.getMessage());
        TranslationException never = refused(bootstrap("", "{ endpoint_stale_after: 0s }"));
        assertTrue(never.getMessage().contains("policy.endpoint_stale_after"), never.getMessage());
    }

    /** Cluster c1 whose one endpoint has this health_check_config (YAML flow). */
    private static String endpointHealthCheck(String config) {
        return bootstrap("", "").replace("port_value: 1 } } }", "port_value: 1 } }, health_check_config: " + config + " }");
    }

    @Test
    void anEndpointsHealthCheckConfigIsKeptAndItsAddressMustBeAnIp() {
        ClusterLoadAssignment.EndpointHealthCheck hc = c1(load(endpointHealthCheck("{ port_value: 8081, hostname: hc,"
                + " address: { socket_address: { address: 127.0.0.2, port_value: 9 } }, disable_active_health_check: true }")))
                .loadAssignment().endpoints().get(0).lbEndpoints().get(0).healthCheck();
        assertEquals(new ClusterLoadAssignment.EndpointHealthCheck(new java.net.InetSocketAddress("127.0.0.2", 9), 8081, "hc",
                true), hc);
        TranslationException name = refused(endpointHealthCheck("{ address: { socket_address: { address: hc.local, port_value: 9 } } }"));
        assertTrue(name.getMessage().contains("health_check_config.address.socket_address.address"), name.getMessage());
        TranslationException port = refused(endpointHealthCheck("{ port_value: 70000 }"));
        assertTrue(port.getMessage().contains("health_check_config.port_value"), port.getMessage());
    }

    @Test
    void whatCannotBeHonouredIsWarnedAboutAndPerEndpointStatsAreKept() {
        LoadedBootstrap b = load(bootstrap("""
                track_cluster_stats: { per_endpoint_stats: true }
                """, ""));
        assertTrue(b.warnings().stream().anyMatch(w -> w.contains("per_endpoint_stats") && w.contains("stats_sinks do not")),
                b.warnings().toString());
        assertTrue(c1(b).options().perEndpointStats());
        assertNull(c1(b).loadAssignment().policy().dropCategory());
    }

    private static String additionalAddress(String clusterFields, String address) {
        return bootstrap(clusterFields, "").replace("port_value: 1 } } }", "port_value: 1 } }, additional_addresses: ["
                + "{ address: { socket_address: { address: \"" + address + "\", port_value: 2 } } }] }");
    }

    @Test
    void happyEyeballsConfigAndAdditionalAddresses() {
        LoadedBootstrap b = load(additionalAddress("""
                upstream_connection_options:
                  happy_eyeballs_config: { first_address_family_version: V6, first_address_family_count: 2 }
                """, "::1"));
        assertEquals(new io.remora.config.HappyEyeballsConfig(io.remora.config.HappyEyeballsConfig.Family.V6, 2),
                c1(b).options().happyEyeballs());
        assertFalse(b.warnings().stream().anyMatch(w -> w.contains("happy_eyeballs_config")), b.warnings().toString());
        assertEquals(java.util.List.of(new io.remora.config.Address.Tcp("::1", 2)),
                c1(b).loadAssignment().endpoints().get(0).lbEndpoints().get(0).additionalAddresses());
        assertEquals(io.remora.config.HappyEyeballsConfig.DEFAULT, c1(load(bootstrap("", ""))).options().happyEyeballs());

        TranslationException name = refused(additionalAddress("", "other.local"));
        assertTrue(name.getMessage().contains("endpoint.additional_addresses[0].address"), name.getMessage());
        assertTrue(name.getMessage().contains("must be IP addresses"), name.getMessage());
        TranslationException count = refused(bootstrap("""
                upstream_connection_options:
                  happy_eyeballs_config: { first_address_family_count: 0 }
                """, ""));
        assertTrue(count.getMessage().contains("happy_eyeballs_config.first_address_family_count"), count.getMessage());
    }

    @Test
    void dnsClustersSayTheyDoNotUseAdditionalAddresses() {
        LoadedBootstrap b = load(additionalAddress("type: STRICT_DNS\n", "127.0.0.2"));
        assertTrue(b.warnings().stream().anyMatch(w -> w.contains("additional_addresses")
                && w.contains("clusters[0].load_assignment")), b.warnings().toString());
        LoadedBootstrap eds = load(additionalAddress("", "127.0.0.2"));
        assertFalse(eds.warnings().stream().anyMatch(w -> w.contains("additional_addresses")), eds.warnings().toString());
    }
}

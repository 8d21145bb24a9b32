package io.remora.xds.translate;

import io.remora.config.ClusterConfig;
import io.remora.config.ForwardAction;
import io.remora.config.HashPolicy;
import io.remora.config.HealthCheckConfig;
import io.remora.config.LoadBalancingConfig;
import io.remora.config.OutlierDetectionConfig;
import io.remora.config.ServerConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DestinationRule-shaped cluster and route config (Istio's output) into the model, and bad values refused by path. */
class ResilienceTranslationTest {

    private static final String ROUTE = HcmListenerYaml.listener("", "", HcmListenerYaml.catchAllHost("", """
            route:
              cluster: c
              hash_policy:
              - cookie: { name: user, ttl: 60s, path: / }
              - header: { header_name: X-User }
                terminal: true
              - connection_properties: { source_ip: true }
              - connection_properties: { source_ip: false }
                terminal: true
              - query_parameter: { name: q }
            """)) + "  clusters:\n";

    private static final String CLUSTER = """
              - name: c
                lb_policy: RING_HASH
                ring_hash_lb_config: { minimum_ring_size: 2048, hash_function: MURMUR_HASH_2 }
                common_lb_config:
                  healthy_panic_threshold: { value: 0 }
                  locality_weighted_lb_config: {}
                circuit_breakers:
                  thresholds:
                  - retry_budget: { budget_percent: { value: 25 }, min_retry_concurrency: 5 }
                outlier_detection:
                  consecutive_5xx: 7
                  consecutive_gateway_failure: 2
                  enforcing_consecutive_gateway_failure: 100
                  interval: 2s
                  base_ejection_time: 15s
                  max_ejection_time: 100s
                  max_ejection_percent: 100
                  split_external_local_origin_errors: true
                  consecutive_local_origin_failure: 4
                health_checks:
                - timeout: 1s
                  interval: 3s
                  unhealthy_threshold: 2
                  healthy_threshold: 1
                  no_traffic_interval: 10s
                  healthy_edge_interval: 1s
                  always_log_health_check_failures: true
                  event_logger:
                  - name: envoy.health_check.event_sink.file
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.health_check.event_sinks.file.v3.HealthCheckEventFileSink
                      event_log_path: /tmp/hc.log
                  http_health_check:
                    path: /healthz
                    host: svc
                    expected_statuses: [{ start: 200, end: 300 }]
                    request_headers_to_add: [{ header: { key: x-hc, value: "1" } }]
                load_assignment:
                  cluster_name: c
                  endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 1 } } } }] }]
            """;

    private static ServerConfig load(String yaml) {
        return new BootstrapLoader().loadString(yaml, "test.yaml").model();
    }

    @Test
    void clusterPoliciesAndRouteHashPoliciesTranslate() {
        ServerConfig m = load(ROUTE + CLUSTER);
        ClusterConfig c = m.clusters().get("c");
        assertEquals(ClusterConfig.LbPolicy.RING_HASH, c.lbPolicy());
        LoadBalancingConfig lb = c.loadBalancing();
        assertEquals(0, lb.healthyPanicThreshold());
        assertTrue(lb.localityWeighted());
        assertEquals(2048, lb.ringHash().minimumRingSize());
        assertEquals(LoadBalancingConfig.HashFunction.MURMUR_HASH_2, lb.ringHash().hashFunction());
        assertEquals(new ClusterConfig.RetryBudget(25, 5), c.circuitBreakers().retryBudget());

        OutlierDetectionConfig od = c.outlierDetection();
        assertEquals(7, od.consecutive5xx());
        assertEquals(2, od.consecutiveGatewayFailure());
        assertEquals(100, od.enforcingConsecutiveGatewayFailure());
        assertEquals(Duration.ofSeconds(2), od.interval());
        assertEquals(Duration.ofSeconds(15), od.baseEjectionTime());
        assertEquals(Duration.ofSeconds(100), od.maxEjectionTime());
        assertTrue(od.splitExternalLocalOriginErrors());
        assertEquals(4, od.consecutiveLocalOriginFailure());
        assertEquals(100, od.enforcingConsecutiveLocalOriginFailure(), "Envoy's default");
        assertEquals(0, od.enforcingFailurePercentage(), "Envoy's default");

        HealthCheckConfig hc = c.healthChecks().get(0);
        assertEquals(Duration.ofSeconds(1), hc.timeout());
        assertEquals(Duration.ofSeconds(3), hc.unhealthyInterval(), "defaults to interval");
        assertEquals(Duration.ofSeconds(3), hc.unhealthyEdgeInterval(), "defaults to unhealthy_interval");
        assertEquals(Duration.ofSeconds(1), hc.healthyEdgeInterval());
        assertEquals(Duration.ofSeconds(10), hc.noTrafficInterval());
        assertEquals(java.util.List.of("/tmp/hc.log"), hc.eventLogPaths());
        assertTrue(hc.alwaysLogHealthCheckFailures());
        HealthCheckConfig.Http http = assertInstanceOf(HealthCheckConfig.Http.class, hc.checker());
        assertEquals("/healthz", http.path());
        assertEquals("svc", http.host());
        assertTrue(http.expected(204));
        assertFalse(http.expected(300));
        assertEquals("x-hc", http.requestHeadersToAdd().get(0).key());

        List<HashPolicy> hp = forward(m).hashPolicies();
        assertEquals(new HashPolicy.Cookie("user", Duration.ofSeconds(60), "/", false), hp.get(0));
        assertEquals(new HashPolicy.Header("x-user", true), hp.get(1));
        assertEquals(new HashPolicy.SourceIp(false), hp.get(2));
        // Envoy accepts connection_properties without source_ip and makes no hash method of it.
        assertEquals(new HashPolicy.QueryParameter("q", false), hp.get(3));
        assertEquals(4, hp.size());
    }

    private static ForwardAction forward(ServerConfig m) {
        var hcm = (io.remora.config.HttpConnectionManagerConfig) m.listeners().get(0).filterChains().get(0).filters().get(0);
        return (ForwardAction) hcm.routeConfig().virtualHosts().get(0).routes().get(0).action();
    }

    @Test
    void defaultsWhenUnset() {
        ServerConfig m = load(ROUTE + """
                  - name: c
                    outlier_detection: {}
                    load_assignment: { cluster_name: c }
                """);
        ClusterConfig c = m.clusters().get("c");
        assertEquals(OutlierDetectionConfig.DEFAULT, c.outlierDetection());
        assertEquals(LoadBalancingConfig.DEFAULT, c.loadBalancing());
        assertTrue(c.healthChecks().isEmpty());
        assertNull(c.circuitBreakers().retryBudget());
    }

    private static TranslationException refused(String cluster) {
        return assertThrows(TranslationException.class, () -> load(ROUTE + cluster));
    }

    /** tcp_health_check proxy_protocol_config and grpc_health_check initial_metadata reach the checkers. */
    @Test
    void tcpProxyProtocolAndGrpcInitialMetadataTranslate() {
        String checks = """
                  - name: c
                    load_assignment: { cluster_name: c }
                    health_checks:
                    - { timeout: 1s, interval: 1s, unhealthy_threshold: 1, healthy_threshold: 1,
                        tcp_health_check: { proxy_protocol_config: { version: V2 } } }
                    - { timeout: 1s, interval: 1s, unhealthy_threshold: 1, healthy_threshold: 1,
                        tcp_health_check: { proxy_protocol_config: {} } }
                    - { timeout: 1s, interval: 1s, unhealthy_threshold: 1, healthy_threshold: 1,
                        grpc_health_check: { initial_metadata: [{ header: { key: X-Tenant, value: blue } }] } }
                """;
        List<HealthCheckConfig> hcs = load(ROUTE + checks).clusters().get("c").healthChecks();
        assertEquals(2, assertInstanceOf(HealthCheckConfig.Tcp.class, hcs.get(0).checker()).proxyProtocolVersion());
        assertEquals(1, assertInstanceOf(HealthCheckConfig.Tcp.class, hcs.get(1).checker()).proxyProtocolVersion(),
                "V1 is the default version");
        var md = assertInstanceOf(HealthCheckConfig.Grpc.class, hcs.get(2).checker()).initialMetadata();
        assertEquals("x-tenant", md.get(0).key());
        assertEquals("blue", md.get(0).value());
        var e = refused("""
                  - name: c
                    load_assignment: { cluster_name: c }
                    health_checks:
                    - { timeout: 1s, interval: 1s, unhealthy_threshold: 1, healthy_threshold: 1,
                        grpc_health_check: { initial_metadata: [{ header: { value: v } }] } }
                """);
        assertEquals("static_resources.clusters[0].health_checks[0].grpc_health_check.initial_metadata[0].header.key",
                e.path());
    }

    @Test
    void badValuesAreRefusedWithTheirFieldPath() {
        String head = """
                  - name: c
                    load_assignment: { cluster_name: c }
                """;
        var e = refused(head + "    outlier_detection: { max_ejection_percent: 101 }\n");
        assertEquals("static_resources.clusters[0].outlier_detection.max_ejection_percent", e.path());
        e = refused(head + "    outlier_detection: { base_ejection_time: 60s, max_ejection_time: 10s }\n");
        assertEquals("static_resources.clusters[0].outlier_detection.max_ejection_time", e.path());
        // Envoy's DetectorImpl::create: also against base_ejection_time's default (30s)...
        e = refused(head + "    outlier_detection: { max_ejection_time: 10s }\n");
        assertEquals("static_resources.clusters[0].outlier_detection.max_ejection_time", e.path());
        // ...and max_ejection_time's default is base_ejection_time when that is above 300s.
        assertEquals(Duration.ofSeconds(400), load(ROUTE + head + "    outlier_detection: { base_ejection_time: 400s }\n")
                .clusters().get("c").outlierDetection().maxEjectionTime());
        e = refused(head + "    health_checks: [{ interval: 1s, unhealthy_threshold: 1, healthy_threshold: 1,"
                + " tcp_health_check: {} }]\n");
        assertEquals("static_resources.clusters[0].health_checks[0].timeout", e.path());
        e = refused(head + "    health_checks: [{ timeout: 1s, interval: 1s, unhealthy_threshold: 1, healthy_threshold: 1,"
                + " http_health_check: { path: /h, expected_statuses: [{ start: 99, end: 200 }] } }]\n");
        assertEquals("static_resources.clusters[0].health_checks[0].http_health_check.expected_statuses[0]", e.path());
        e = refused(head + "    health_checks: [{ timeout: 1s, interval: 1s, unhealthy_threshold: 1, healthy_threshold: 1,"
                + " tcp_health_check: { send: { text: zz } } }]\n");
        assertEquals("static_resources.clusters[0].health_checks[0].tcp_health_check.send.text", e.path());
        e = refused(head + "    lb_policy: MAGLEV\n    maglev_lb_config: { table_size: 65536 }\n");
        assertEquals("static_resources.clusters[0].maglev_lb_config.table_size", e.path());
        e = refused(head + "    lb_policy: RING_HASH\n    ring_hash_lb_config: { minimum_ring_size: 10, maximum_ring_size: 5 }\n");
        assertEquals("static_resources.clusters[0].ring_hash_lb_config.minimum_ring_size", e.path());
        for (String keys : List.of("[]", "[zone]", "[version, stage]")) {
            e = refused(head + "    lb_subset_config: { subset_selectors: [{ keys: [version, stage],"
                    + " fallback_policy: KEYS_SUBSET, fallback_keys_subset: " + keys + " }] }\n");
            assertEquals("static_resources.clusters[0].lb_subset_config.subset_selectors[0].fallback_keys_subset",
                    e.path(), keys);
        }
        e = refused(head + "    lb_subset_config: { subset_selectors: [{ keys: [version], fallback_keys_subset: [version] }] }\n");
        assertEquals("static_resources.clusters[0].lb_subset_config.subset_selectors[0].fallback_keys_subset", e.path());
        assertEquals("fallback_keys_subset can be set only for KEYS_SUBSET fallback_policy", e.reason());
        e = refused(head + "    health_checks:\n    - { timeout: 1s, interval: 1s, unhealthy_threshold: 1, healthy_threshold: 1,"
                + " tcp_health_check: {} }\n    - { interval: 1s, unhealthy_threshold: 1, healthy_threshold: 1,"
                + " tcp_health_check: {} }\n");
        assertEquals("static_resources.clusters[0].health_checks[1].timeout", e.path(), "each check is checked");
        e = refused(head + "    common_http_protocol_options: { max_response_headers_kb: 9000 }\n");
        assertEquals("static_resources.clusters[0].common_http_protocol_options.max_response_headers_kb", e.path());
        e = refused(head + "    health_checks: [{ timeout: 1s, interval: 1s, unhealthy_threshold: 1, healthy_threshold: 1,"
                + " http_health_check: { path: /h, send: { text: \"00\" } } }]\n");
        assertEquals("static_resources.clusters[0].health_checks[0].http_health_check.send", e.path(), "GET with a body");
        // Envoy's HeaderParser formats the values a check adds, so it refuses what it cannot format.
        e = refused(head + "    health_checks: [{ timeout: 1s, interval: 1s, unhealthy_threshold: 1, healthy_threshold: 1,"
                + " http_health_check: { path: /h, request_headers_to_add: [{ header: { key: x-a, value: \"%NOPE%\" } }] } }]\n");
        assertEquals("static_resources.clusters[0].health_checks[0].http_health_check.request_headers_to_add[0]"
                + ".header.value", e.path());
        e = refused(head + "    health_checks: [{ timeout: 1s, interval: 1s, unhealthy_threshold: 1, healthy_threshold: 1,"
                + " grpc_health_check: { initial_metadata: [{ header: { key: x-a, value: \"50%\" } }] } }]\n");
        assertEquals("static_resources.clusters[0].health_checks[0].grpc_health_check.initial_metadata[0].header.value",
                e.path());
        e = refused(head + "    health_checks: [{ timeout: 1s, interval: 1s, unhealthy_threshold: 1, healthy_threshold: 1,"
                + " http_health_check: { path: /h, request_headers_to_add: [{ header: { key: Host, value: a } }] } }]\n");
        assertEquals("static_resources.clusters[0].health_checks[0].http_health_check.request_headers_to_add[0]"
                + ".header.key", e.path());
        e = refused(head + "    health_checks: [{ timeout: 1s, interval: 1s, unhealthy_threshold: 1, healthy_threshold: 1,"
                + " grpc_health_check: { initial_metadata: [{ header: { key: \":path\", value: /x } }] } }]\n");
        assertEquals("static_resources.clusters[0].health_checks[0].grpc_health_check.initial_metadata[0].header.key",
                e.path());
    }

    @Test
    void connectionPoolPolicyAutoConfigZoneAwareAndRetryHostsTranslate() {
        String cluster = """
                  - name: c
                    common_lb_config: { zone_aware_lb_config: { routing_enabled: { value: 40 }, min_cluster_size: 3 } }
                    typed_extension_protocol_options:
                      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                        common_http_protocol_options: { max_connection_duration: 30s, max_requests_per_connection: 9 }
                        auto_config: { http2_protocol_options: { max_concurrent_streams: 7 } }
                    load_assignment:
                      cluster_name: c
                      endpoints:
                      - lb_endpoints:
                        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 1 } } }
                          metadata: { filter_metadata: { envoy.lb: { canary: true, version: v1 } } }
                """;
        String retryYaml = ""
                + "                  retry_policy:\n"
                + "                    retry_on: 5xx\n"
                + "                    retry_host_predicate:\n"
                + "                    - name: envoy.retry_host_predicates.omit_canary_hosts\n"
                + "                    - name: envoy.retry_host_predicates.omit_host_metadata\n"
                + "                      typed_config:\n"
                + "                        \"@type\": type.googleapis.com/envoy.extensions.retry.host.omit_host_metadata.v3.OmitHostMetadataConfig\n"
                + "                        metadata_match: { filter_metadata: { envoy.lb: { version: v1 } } }\n"
                + "                    retry_priority:\n"
                + "                      name: envoy.retry_priorities.previous_priorities\n"
                + "                      typed_config:\n"
                + "                        \"@type\": type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig\n"
                + "                        update_frequency: 2\n"
                + "                  hash_policy:\n";
        String route = ROUTE.replace("                  hash_policy:\n", retryYaml);
        ServerConfig m = load(route + cluster);
        ClusterConfig c = m.clusters().get("c");
        assertEquals(ClusterConfig.UpstreamProtocol.AUTO, c.protocol());
        assertEquals(7, c.http2Options().maxConcurrentStreams());
        assertEquals(Duration.ofSeconds(30), c.maxConnectionDuration());
        assertEquals(9, c.maxRequestsPerConnection());
        assertEquals(new LoadBalancingConfig.ZoneAware(40, 3, false), c.loadBalancing().zoneAware());
        var ep = c.loadAssignment().endpoints().get(0).lbEndpoints().get(0);
        assertEquals(Boolean.TRUE, ep.lbMetadata().get("canary"));
        var retry = forward(m).retryPolicy();
        assertTrue(retry.omitCanaryHosts());
        assertEquals(java.util.Map.of("version", "v1"), retry.omitHostMetadata());
        assertEquals(2, retry.previousPrioritiesUpdateFrequency());
        assertFalse(retry.retryOtherHosts());
        var e = assertThrows(TranslationException.class, () -> load(route.replace("update_frequency: 2",
                "update_frequency: 0") + cluster));
        assertEquals("static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config"
                + ".virtual_hosts[0].routes[0].route.retry_policy.retry_priority.typed_config.update_frequency", e.path());
    }

    @Test
    void retriableHeadersAndHedgingAreTranslated() {
        var loaded = new BootstrapLoader().loadString(HcmListenerYaml.listener("", "route: { cluster: c1,"
                + " retry_policy: { retry_on: retriable-headers, retriable_headers: [{ name: x-retry, present_match: true }],"
                + " retriable_request_headers: [{ name: \":method\", exact_match: GET }] },"
                + " hedge_policy: { hedge_on_per_try_timeout: true } }") + HcmListenerYaml.CLUSTER_C1, "test.yaml");
        String route = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config"
                + ".virtual_hosts[0].routes[0].route.";
        var forward = (ForwardAction) ((io.remora.config.HttpConnectionManagerConfig) loaded.model()
                .listeners().get(0).filterChains().get(0).terminalFilter()).routeConfig().virtualHosts().get(0)
                .routes().get(0).action();
        io.remora.config.RetryPolicy retry = forward.retryPolicy();
        assertEquals(List.of(new io.remora.config.HeaderMatcher("x-retry", null, true, null, false, false)),
                retry.retriableHeaders());
        assertEquals(":method", retry.retriableRequestHeaders().get(0).name());
        assertEquals(io.remora.config.HedgePolicy.ON_PER_TRY_TIMEOUT, forward.hedgePolicy());
        assertFalse(loaded.warnings().stream().anyMatch(w -> w.contains("hedge") || w.contains("retriable")),
                loaded.warnings().toString());
    }

    @Test
    void hedgePolicyOfTheVirtualHostAndWhatEnvoyIgnoresInIt() {
        String vhost = "hedge_policy: { hedge_on_per_try_timeout: true, initial_requests: 2,"
                + " additional_request_chance: { numerator: 10 } }";
        var loaded = new BootstrapLoader().loadString(HcmListenerYaml.listener("", "", HcmListenerYaml.catchAllHost(
                vhost, "route: { cluster: c1, hedge_policy: {} }")) + HcmListenerYaml.CLUSTER_C1, "test.yaml");
        var vh = ((io.remora.config.HttpConnectionManagerConfig) loaded.model().listeners().get(0).filterChains()
                .get(0).terminalFilter()).routeConfig().virtualHosts().get(0);
        assertEquals(io.remora.config.HedgePolicy.ON_PER_TRY_TIMEOUT, vh.hedgePolicy());
        assertEquals(io.remora.config.HedgePolicy.NONE, ((ForwardAction) vh.routes().get(0).action()).hedgePolicy(),
                "a route's own policy, even an empty one, replaces the virtual host's");
        String at = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config"
                + ".virtual_hosts[0].hedge_policy.";
        assertTrue(loaded.warnings().stream().anyMatch(w -> w.endsWith(at + "initial_requests")),
                loaded.warnings().toString());
        assertTrue(loaded.warnings().stream().anyMatch(w -> w.endsWith(at + "additional_request_chance")),
                loaded.warnings().toString());

        var e = assertThrows(TranslationException.class, () -> new BootstrapLoader().loadString(
                HcmListenerYaml.listener("", "route: { cluster: c1, hedge_policy: { initial_requests: 0 } }")
                        + HcmListenerYaml.CLUSTER_C1, "test.yaml"));
        assertEquals("static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config"
                + ".virtual_hosts[0].routes[0].route.hedge_policy.initial_requests", e.path());
    }

    @Test
    void subsetLoadBalancingIsTranslated() {
        var loaded = new BootstrapLoader().loadString(HcmListenerYaml.listener("", "route: { cluster: c1,"
                + " metadata_match: { filter_metadata: { envoy.lb: { version: v1 }, other: { x: y } } } }")
                + HcmListenerYaml.CLUSTER_C1.replace("  - name: c1\n", "  - name: c1\n"
                + "    common_http_protocol_options: { max_stream_duration: 5s, headers_with_underscores_action: DROP_HEADER }\n"
                + "    lb_subset_config: { fallback_policy: DEFAULT_SUBSET, default_subset: { stage: prod },"
                + " subset_selectors: [{ keys: [version] }, { keys: [version, stage] }], panic_mode_any: true }\n"),
                "test.yaml");
        var cluster = loaded.model().clusters().get("c1");
        assertEquals(io.remora.config.SubsetConfig.builder().fallback(io.remora.config.SubsetConfig.Fallback.DEFAULT_SUBSET)
                .defaultSubset(java.util.Map.of("stage", "prod"))
                .selectors(List.of(io.remora.config.SubsetConfig.Selector.of(java.util.Set.of("version")),
                        io.remora.config.SubsetConfig.Selector.of(java.util.Set.of("version", "stage"))))
                .panicModeAny(true).build(),
                cluster.subsets());
        var forward = (ForwardAction) ((io.remora.config.HttpConnectionManagerConfig) loaded.model().listeners().get(0)
                .filterChains().get(0).terminalFilter()).routeConfig().virtualHosts().get(0).routes().get(0).action();
        assertEquals(java.util.Map.of("version", "v1"), forward.metadataMatch(), "envoy.lb only");
        assertEquals(java.time.Duration.ofSeconds(5), cluster.maxStreamDuration());
        assertEquals(io.remora.config.ResponseHeaderLimits.DEFAULT, cluster.responseHeaderLimits(),
                "headers_with_underscores_action on a cluster has no effect, as in Envoy");
        assertTrue(loaded.warnings().stream().noneMatch(w -> w.contains("lb_subset_config")),
                "panic_mode_any is honoured: " + loaded.warnings());
    }

    @Test
    void everyHealthCheckIsTranslated() {
        ServerConfig m = load(ROUTE + """
                  - name: c
                    load_assignment: { cluster_name: c }
                    health_checks:
                    - { timeout: 1s, interval: 1s, unhealthy_threshold: 1, healthy_threshold: 1, tcp_health_check: {} }
                    - { timeout: 2s, interval: 3s, unhealthy_threshold: 2, healthy_threshold: 2, http_health_check: { path: /h } }
                """);
        List<HealthCheckConfig> hcs = m.clusters().get("c").healthChecks();
        assertEquals(2, hcs.size());
        assertTrue(hcs.get(0).checker() instanceof HealthCheckConfig.Tcp);
        assertTrue(hcs.get(1).checker() instanceof HealthCheckConfig.Http);
        assertEquals(Duration.ofSeconds(3), hcs.get(1).interval());
    }

    @Test
    void subsetOptionsAreTranslated() {
        ServerConfig m = load(ROUTE + """
                  - name: c
                    load_assignment: { cluster_name: c }
                    lb_subset_config:
                      metadata_fallback_policy: FALLBACK_LIST
                      locality_weight_aware: true
                      scale_locality_weight: true
                      subset_selectors: [{ keys: [id], single_host_per_subset: true }]
                """);
        var s = m.clusters().get("c").subsets();
        assertTrue(s.fallbackList() && s.localityWeightAware() && s.scaleLocalityWeight() && !s.panicModeAny());
        assertTrue(s.selectors().get(0).singleHostPerSubset());
    }

    @Test
    void closeConnectionsOnHostHealthFailureIsTranslatedNotWarned() {
        var loaded = new BootstrapLoader().loadString(HcmListenerYaml.listener("", "route: { cluster: c1 }")
                + HcmListenerYaml.CLUSTER_C1.replace("  - name: c1\n",
                "  - name: c1\n    close_connections_on_host_health_failure: true\n"), "test.yaml");
        assertTrue(loaded.model().clusters().get("c1").closeConnectionsOnHostHealthFailure());
        assertFalse(loaded.warnings().stream().anyMatch(w -> w.contains("close_connections")),
                loaded.warnings().toString());
        assertFalse(new BootstrapLoader().loadString(HcmListenerYaml.listener("", "route: { cluster: c1 }")
                + HcmListenerYaml.CLUSTER_C1, "test.yaml").model().clusters().get("c1")
                .closeConnectionsOnHostHealthFailure());
    }
}

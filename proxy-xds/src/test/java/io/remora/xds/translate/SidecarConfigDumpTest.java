package io.remora.xds.translate;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.EndpointsConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.remora.config.ClusterConfig;
import io.remora.matching.UnifiedMatcherEvaluator;
import io.remora.listener.FilterChainSelector;
import io.remora.config.ListenerConfig;
import io.remora.xds.TestResources;
import io.remora.xds.bootstrap.ConfigDocuments;
import io.remora.xds.bootstrap.ProtoJson;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The translator on real Istio output: the resources of a sidecar's /config_dump. */
class SidecarConfigDumpTest {

    static ConfigDump dump;
    static final TranslationContext CTX = TranslationContext.lenient();

    @BeforeAll
    static void parse() {
        var json = ConfigDocuments.parseJson(TestResources.text("istio/sidecar-config-dump.json"), "config_dump");
        dump = ProtoJson.merge(json, ConfigDump.newBuilder(), FieldPath.ROOT, CTX).build();
    }

    private static <T extends com.google.protobuf.Message> T part(Class<T> type) throws Exception {
        for (Any a : dump.getConfigsList()) {
            if (a.is(type)) {
                return a.unpack(type);
            }
        }
        throw new AssertionError("no " + type);
    }

    @Test
    void clustersTranslate() throws Exception {
        ClustersConfigDump cd = part(ClustersConfigDump.class);
        List<Cluster> clusters = new ArrayList<>();
        cd.getStaticClustersList().forEach(s -> clusters.add(unpack(s.getCluster(), Cluster.class)));
        cd.getDynamicActiveClustersList().forEach(s -> clusters.add(unpack(s.getCluster(), Cluster.class)));
        for (Cluster c : clusters) {
            // Including the waypoint's inbound-vip clusters with the internal_upstream socket.
            ClusterConfig cc = ClusterTranslator.translate(c, FieldPath.of("cluster \"" + c.getName() + "\""), CTX);
            assertEquals(c.getName(), cc.name());
            if (c.getName().startsWith("inbound-vip|")) {
                // the destination each endpoint names passes through to connect_originate
                assertEquals(List.of(new io.remora.config.PassthroughMetadata(io.remora.config.PassthroughMetadata.Kind.HOST,
                        "envoy.filters.listener.original_dst")), cc.passthroughMetadataFor(java.util.Map.of()), c.getName());
            }
        }
        assertFalse(clusters.isEmpty());
    }

    @Test
    void routesTranslate() throws Exception {
        RoutesConfigDump rd = part(RoutesConfigDump.class);
        for (var s : rd.getStaticRouteConfigsList()) {
            RouteConfiguration rc = unpack(s.getRouteConfig(), RouteConfiguration.class);
            var model = RouteConfigurationTranslator.translate(rc, FieldPath.of("route_config"), CTX);
            assertEquals(rc.getVirtualHostsCount(), model.virtualHosts().size());
        }
    }

    @Test
    void endpointsTranslateWithInternalAddresses() throws Exception {
        EndpointsConfigDump ed = part(EndpointsConfigDump.class);
        for (var s : ed.getStaticEndpointConfigsList()) {
            var cla = unpack(s.getEndpointConfig(), ClusterLoadAssignment.class);
            assertEquals(cla.getClusterName(), EndpointTranslator.translate(cla, FieldPath.ROOT).clusterName());
        }
        // The waypoint's EDS endpoints are envoy_internal_address: the connect_originate listener.
        var cla = unpack(ed.getDynamicEndpointConfigs(0).getEndpointConfig(), ClusterLoadAssignment.class);
        var model = EndpointTranslator.translate(cla, FieldPath.of("eds"));
        assertEquals(new io.remora.config.Address.Internal("connect_originate", "192.168.195.248:800"),
                model.endpoints().get(0).lbEndpoints().get(0).address());
        // and their metadata: the destination for passthrough, the workload for istio.stats
        var other = model.endpoints().get(0).lbEndpoints().get(0).filterMetadata();
        assertEquals(java.util.Map.of("local", "192.168.195.248:800"), other.get("envoy.filters.listener.original_dst"));
        assertEquals(java.util.Map.of("workload", "httpbin;default;httpbin;v1;snorlax"), other.get("istio"));
    }

    @Test
    void listeners() throws Exception {
        ListenersConfigDump ld = part(ListenersConfigDump.class);
        for (var s : ld.getStaticListenersList()) {
            Listener l = unpack(s.getListener(), Listener.class);
            ListenerConfig lc = ListenerTranslator.translate(l, FieldPath.of("listener"), CTX);
            assertFalse(lc.filterChains().isEmpty());
        }
        // main_internal is an internal listener (ambient waypoint) whose filter_chain_matcher tests
        // the destination IP, then the port below it: evaluated as a matcher.
        Listener internal = unpack(ld.getDynamicListeners(0).getActiveState().getListener(), Listener.class);
        ListenerConfig lc = ListenerTranslator.translate(internal, FieldPath.of("main_internal"), CTX);
        assertEquals(new io.remora.config.Address.Internal("main_internal", ""), lc.address());
        var eval = new UnifiedMatcherEvaluator<>(lc.filterChainMatcher());
        assertEquals("inbound-vip|8000||httpbin.default.svc.cluster.local-http",
                eval.match(conn("10.104.171.68", 8000, "raw_buffer", List.of())));
        assertEquals("inbound-vip|8100||httpbin.default.svc.cluster.local-http",
                eval.match(conn("10.104.171.68", 8100, "raw_buffer", List.of())));
        assertEquals("direct-http", eval.match(conn("192.168.195.248", 8000, "raw_buffer", List.of("h2c"))));
        assertEquals("direct-tcp", eval.match(conn("192.168.195.248", 8000, "raw_buffer", List.of())));
        assertEquals(null, eval.match(conn("10.104.171.68", 9999, "raw_buffer", List.of())));
        // Every chain the matcher names exists, by name; the chains' own matches are not used.
        for (String name : List.of("inbound-vip|8000||httpbin.default.svc.cluster.local-http", "direct-http", "direct-tcp")) {
            assertTrue(lc.filterChains().stream().anyMatch(fc -> fc.name().equals(name)), name);
        }
    }

    private static FilterChainSelector.Input conn(String dst, int port, String tp, List<String> alpn) throws Exception {
        return new FilterChainSelector.Input(java.net.InetAddress.getByName(dst), port, null, tp, alpn,
                java.net.InetAddress.getByName("10.0.0.9"), 41000);
    }

    @Test
    void virtualInboundMatcherEvaluates() throws Exception {
        // The virtualInbound shape: destination port, then transport protocol, then application protocol.
        String json = TestResources.text("configs/virtual-inbound-matcher.json");
        var m = ProtoJson.merge(ConfigDocuments.parseJson(json, "m.json"),
                com.github.xds.type.matcher.v3.Matcher.newBuilder(), FieldPath.ROOT, CTX).build();
        java.util.Set<String> actions = new java.util.LinkedHashSet<>();
        var eval = new UnifiedMatcherEvaluator<>(
                UnifiedMatcherTranslator.filterChains(m, FieldPath.of("filter_chain_matcher"), actions));
        assertEquals(java.util.Set.of("tls-8080", "http-8080", "tcp-8080", "passthrough"), actions);
        assertEquals("tls-8080", eval.match(conn("10.0.0.1", 8080, "tls", List.of("h2"))));
        assertEquals("http-8080", eval.match(conn("10.0.0.1", 8080, "raw_buffer", List.of("h2c"))));
        assertEquals("http-8080", eval.match(conn("10.0.0.1", 8080, "raw_buffer", List.of("http/1.1"))));
        assertEquals("tcp-8080", eval.match(conn("10.0.0.1", 8080, "raw_buffer", List.of())));
        // The transport-protocol matcher has no on_no_match: the root's applies.
        assertEquals("passthrough", eval.match(conn("10.0.0.1", 8080, "", List.of())));
        assertEquals("passthrough", eval.match(conn("10.0.0.1", 9090, "raw_buffer", List.of())));
    }

    private static <T extends com.google.protobuf.Message> T unpack(Any a, Class<T> type) {
        try {
            return a.unpack(type);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}

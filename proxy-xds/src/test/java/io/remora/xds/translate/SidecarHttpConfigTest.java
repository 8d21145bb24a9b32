package io.remora.xds.translate;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.remora.config.ClusterConfig;
import io.remora.config.TransportSocketConfig;
import io.remora.xds.TestResources;
import io.remora.xds.bootstrap.ConfigDocuments;
import io.remora.xds.bootstrap.ProtoJson;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sidecar's outbound HTTP config as istiod sends it ({@code sidecar-http-config.json}): the
 * route configuration with Istio's retry policy, and the EDS cluster with auto-mTLS, i.e.
 * {@code transport_socket_matches} choosing ISTIO_MUTUAL for endpoints labelled
 * {@code tlsMode: istio} (SPIFFE certificate and roots from sds-grpc, the service accounts'
 * SANs, Istio's SNI and ALPN) and plaintext for every other endpoint, plus the upstream metadata
 * exchange. MtlsCaptureE2ETest runs this shape between two captured pods.
 */
class SidecarHttpConfigTest {

    private static final TranslationContext CTX = TranslationContext.lenient();

    private static <T extends com.google.protobuf.Message> T part(Class<T> type) throws Exception {
        var json = ConfigDocuments.parseJson(TestResources.text("istio/sidecar-http-config.json"), "config_dump");
        ConfigDump dump = ProtoJson.merge(json, ConfigDump.newBuilder(), FieldPath.ROOT, CTX).build();
        for (Any a : dump.getConfigsList()) {
            if (a.is(type)) {
                return a.unpack(type);
            }
        }
        throw new AssertionError("no " + type);
    }

    @Test
    void theClusterPicksIstioMutualByTheEndpointsTlsMode() throws Exception {
        Cluster c = part(ClustersConfigDump.class).getDynamicActiveClusters(0).getCluster().unpack(Cluster.class);
        ClusterConfig cc = ClusterTranslator.translate(c, FieldPath.of("cluster"), CTX);
        assertEquals("outbound|9080|v1|productpage.default.svc.cluster.local", cc.name());
        assertEquals(2, cc.transportSocketMatches().size());
        ClusterConfig.TransportSocketMatch istio = cc.transportSocketMatches().get(0);
        assertTrue(istio.matches(Map.of("tlsMode", "istio")));
        assertTrue(!istio.matches(Map.of()) && !istio.matches(Map.of("tlsMode", "disabled")));
        TransportSocketConfig tls = istio.transportSocket();
        assertEquals(List.of("istio-peer-exchange", "istio"), tls.alpnProtocols());
        assertEquals(List.of("default"), tls.certificateSdsNames());
        assertEquals("ROOTCA", tls.validationSdsName());
        assertEquals("outbound_.9080_.v1_.productpage.default.svc.cluster.local", tls.sni());
        assertEquals(2, tls.validation().sanMatchers().size(), "the service accounts' SPIFFE identities");
        ClusterConfig.TransportSocketMatch plain = cc.transportSocketMatches().get(1);
        assertTrue(plain.matches(Map.of()) && plain.matches(Map.of("tlsMode", "disabled")));
        assertNull(plain.transportSocket(), "raw_buffer: plaintext to endpoints outside the mesh");
        assertEquals(1, cc.upstreamFilters().size(), "the upstream metadata exchange");
        assertEquals("productpage.default.svc.cluster.local",
                ((Map<?, ?>) ((List<?>) cc.metadata().get("istio").get("services")).get(0)).get("host"));
    }

    @Test
    void theRoutesKeepIstiosRetryPolicy() throws Exception {
        RouteConfiguration rc = part(RoutesConfigDump.class).getDynamicRouteConfigs(0).getRouteConfig()
                .unpack(RouteConfiguration.class);
        var model = RouteConfigurationTranslator.translate(rc, FieldPath.of("route_config"), CTX);
        assertEquals("http.8080", model.name());
        assertEquals(5, model.virtualHosts().get(0).routes().size());
    }
}

package io.remora.xds.translate;

import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.bootstrap.ConfigDocuments;
import io.remora.xds.bootstrap.ProtoJson;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ResourceTranslatorTest {

    private static RouteConfiguration rds(String extra) {
        String yaml = "name: r\n" + extra + "virtual_hosts:\n- name: v\n  domains: ['*']\n  routes:\n"
                + "  - { match: { prefix: / }, route: { cluster: later } }\n";
        return ProtoJson.merge(ConfigDocuments.parseYaml(yaml, "r.yaml"), RouteConfiguration.newBuilder(),
                FieldPath.ROOT, TranslationContext.lenient()).build();
    }

    @Test
    void rdsChecksClustersOnlyWhenAsked() {
        TranslationContext ctx = new TranslationContext(Set.of("known"));
        assertEquals("r", ResourceTranslator.routeConfiguration(rds(""), ctx).name());
        var e = assertThrows(TranslationException.class,
                () -> ResourceTranslator.routeConfiguration(rds("validate_clusters: true\n"), ctx));
        assertEquals("route_configuration \"r\".virtual_hosts[0].routes[0].route.cluster", e.path());
    }

    @Test
    void rdsListenerAndNodeOverrides() {
        String yaml = """
                node: { id: from-file, cluster: file-cluster }
                dynamic_resources:
                  cds_config: { ads: {} }
                static_resources:
                  listeners:
                  - address: { socket_address: { address: 0.0.0.0, port_value: 15001 } }
                    use_original_dst: true
                    bind_to_port: false
                    traffic_direction: OUTBOUND
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: out
                          rds: { route_config_name: "80", config_source: { ads: {} } }
                          http_filters:
                          - name: envoy.filters.http.router
                """;
        var lb = new BootstrapLoader().serviceNode("sidecar~1.2.3.4~a.b~b.svc").serviceCluster("a.b")
                .loadString(yaml, "b.yaml");
        assertEquals("sidecar~1.2.3.4~a.b~b.svc", lb.model().node().id());
        assertEquals("a.b", lb.model().node().cluster());
        var l = lb.model().listeners().get(0);
        assertEquals("0.0.0.0_15001", l.name());
        assertEquals(true, l.useOriginalDst());
        assertEquals(false, l.bindToPort());
        var h = assertInstanceOf(HttpConnectionManagerConfig.class, l.filterChains().get(0).terminalFilter());
        assertEquals("80", h.rdsName());
        assertNull(h.routeConfig());
    }
}

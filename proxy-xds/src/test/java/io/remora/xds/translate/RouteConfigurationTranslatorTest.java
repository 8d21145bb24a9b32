package io.remora.xds.translate;

import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.remora.config.StringMatcher;
import io.remora.config.VirtualCluster;
import io.remora.xds.bootstrap.ConfigDocuments;
import io.remora.xds.bootstrap.ProtoJson;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RouteConfigurationTranslatorTest {

    private static RouteConfiguration rc(String virtualClusters) {
        String yaml = "name: r\nvirtual_hosts:\n- name: v\n  domains: ['*']\n  routes:\n"
                + "  - { match: { prefix: / }, route: { cluster: c } }\n" + virtualClusters;
        return ProtoJson.merge(ConfigDocuments.parseYaml(yaml, "r.yaml"), RouteConfiguration.newBuilder(),
                FieldPath.ROOT, TranslationContext.lenient()).build();
    }

    private static io.remora.config.RouteConfiguration translate(RouteConfiguration rc, TranslationContext ctx) {
        return RouteConfigurationTranslator.translate(rc, FieldPath.of("route_config"), ctx);
    }

    @Test
    void virtualClustersKeepTheirOrderAndMatchers() {
        TranslationContext ctx = TranslationContext.lenient();
        var vh = translate(rc("""
                  virtual_clusters:
                  - name: writes
                    headers:
                    - { name: ':method', string_match: { exact: POST } }
                    - { name: ':path', string_match: { prefix: /api/ } }
                  - name: tenant
                    headers: [ { name: X-Tenant, present_match: true } ]
                """), ctx).virtualHosts().get(0);
        List<VirtualCluster> vcs = vh.virtualClusters();
        assertEquals(List.of("writes", "tenant"), vcs.stream().map(VirtualCluster::name).toList());
        assertEquals(":method", vcs.get(0).headers().get(0).name());
        assertInstanceOf(StringMatcher.Prefix.class, vcs.get(0).headers().get(1).stringMatch());
        assertEquals("x-tenant", vcs.get(1).headers().get(0).name());
        assertTrue(ctx.warnings().stream().noneMatch(w -> w.contains("virtual_clusters")), ctx.warnings().toString());
    }

    @Test
    void virtualHostWithoutVirtualClustersHasAnEmptyList() {
        assertEquals(List.of(), translate(rc(""), TranslationContext.lenient()).virtualHosts().get(0)
                .virtualClusters());
    }

    @Test
    void emptyNameIsRefusedWithItsPath() {
        var e = assertThrows(TranslationException.class, () -> translate(rc("""
                  virtual_clusters:
                  - name: ok
                    headers: [ { name: ':method', string_match: { exact: GET } } ]
                  - headers: [ { name: ':method', string_match: { exact: PUT } } ]
                """), TranslationContext.lenient()));
        assertEquals("route_config.virtual_hosts[0].virtual_clusters[1].name", e.path());
    }

    @Test
    void virtualClusterWithoutHeadersIsRefused() {
        var e = assertThrows(TranslationException.class, () -> translate(rc("""
                  virtual_clusters:
                  - name: everything
                """), TranslationContext.lenient()));
        assertEquals("route_config.virtual_hosts[0].virtual_clusters[0].headers", e.path());
    }

    @Test
    void badHeaderMatcherNamesItsPath() {
        var e = assertThrows(TranslationException.class, () -> translate(rc("""
                  virtual_clusters:
                  - name: bad
                    headers: [ { name: x-n, range_match: { start: 5, end: 1 } } ]
                """), TranslationContext.lenient()));
        assertEquals("route_config.virtual_hosts[0].virtual_clusters[0].headers[0].range_match", e.path());
    }

    private static RouteConfiguration withHeaderValue(String where, String value) {
        String header = "[ { header: { key: x-h, value: '" + value + "' } } ]";
        String yaml = "name: r\n" + (where.equals("config") ? "response_headers_to_add: " + header + "\n" : "")
                + "virtual_hosts:\n- name: v\n  domains: ['*']\n"
                + (where.equals("vhost") ? "  request_headers_to_add: " + header + "\n" : "")
                + "  routes:\n  - match: { prefix: / }\n    route: { cluster: c }\n"
                + (where.equals("route") ? "    request_headers_to_add: " + header + "\n" : "");
        return ProtoJson.merge(ConfigDocuments.parseYaml(yaml, "r.yaml"), RouteConfiguration.newBuilder(),
                FieldPath.ROOT, TranslationContext.lenient()).build();
    }

    @Test
    void headerValueWithAnOperatorEnvoyDoesNotKnowIsRefusedWithItsPath() {
        var e = assertThrows(TranslationException.class, () -> translate(withHeaderValue("route", "%NOPE%"),
                TranslationContext.lenient()));
        assertEquals("route_config.virtual_hosts[0].routes[0].request_headers_to_add[0].header.value", e.path());
        assertTrue(e.getMessage().contains("Not supported field in StreamInfo: NOPE"), e.getMessage());
        e = assertThrows(TranslationException.class, () -> translate(withHeaderValue("vhost", "50% off"),
                TranslationContext.lenient()));
        assertEquals("route_config.virtual_hosts[0].request_headers_to_add[0].header.value", e.path());
        e = assertThrows(TranslationException.class, () -> translate(withHeaderValue("config", "%FILTER_STATE(k:JSON)%"),
                TranslationContext.lenient()));
        assertEquals("route_config.response_headers_to_add[0].header.value", e.path());
    }

    @Test
    void headerValuesTakeEveryAccessLogOperatorAndTheLegacyHeaderSyntax() {
        String value = "%UPSTREAM_HOST% %FILTER_STATE(k)% %START_TIME(%s)% %UPSTREAM_METADATA([\"ns\", \"k\"])%"
                + " %PER_REQUEST_STATE(k)% %ENVIRONMENT(HOME)% 100%%";
        var rc = translate(withHeaderValue("route", value), TranslationContext.lenient());
        assertEquals(value, rc.virtualHosts().get(0).routes().get(0).requestHeaders().add().get(0).value());
    }
}

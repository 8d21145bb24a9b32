package io.remora.xds.translate;

import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.remora.config.RateLimitPolicy;
import io.remora.xds.bootstrap.ConfigDocuments;
import io.remora.xds.bootstrap.ProtoJson;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A rate limit action's extension: the expr descriptor by text or parsed, an HTTP matching input
 * under the extension's name, and what is refused with its path.
 */
class ExprDescriptorTranslationTest {

    static final String ACTIONS = "route_config.virtual_hosts[0].rate_limits[0].actions[0].extension.typed_config";

    private static io.remora.config.RouteConfiguration translate(String typedConfig) {
        String yaml = "name: r\nvirtual_hosts:\n- name: v\n  domains: ['*']\n  routes:\n"
                + "  - { match: { prefix: / }, route: { cluster: c } }\n"
                + "  rate_limits: [{ actions: [{ extension: { name: x, typed_config: { " + typedConfig + " } } }] }]\n";
        RouteConfiguration rc = ProtoJson.merge(ConfigDocuments.parseYaml(yaml, "r.yaml"), RouteConfiguration.newBuilder(),
                FieldPath.ROOT, TranslationContext.lenient()).build();
        return RouteConfigurationTranslator.translate(rc, FieldPath.of("route_config"), TranslationContext.lenient());
    }

    static final String EXPR = "\"@type\": type.googleapis.com/envoy.extensions.rate_limit_descriptors.expr.v3.Descriptor, ";

    private static RateLimitPolicy.Extension action(String typedConfig) {
        return (RateLimitPolicy.Extension) translate(typedConfig).virtualHosts().get(0).rateLimits().get(0).actions().get(0);
    }

    private static String error(String typedConfig) {
        return assertThrows(TranslationException.class, () -> translate(typedConfig)).getMessage();
    }

    @Test
    void textAndParsedExpressions() {
        RateLimitPolicy.Extension text = action(EXPR + "descriptor_key: k, text: \"request.method\"");
        assertEquals("k", text.descriptorKey());
        assertEquals(false, text.skipIfError());
        RateLimitPolicy.Extension parsed = action(EXPR + "descriptor_key: k, skip_if_error: true,"
                + " parsed: { ident_expr: { name: request } }");
        assertTrue(parsed.skipIfError());
    }

    @Test
    void refusalsNameTheField() {
        String key = error(EXPR + "text: \"request.method\"");
        assertTrue(key.contains(ACTIONS + ".descriptor_key"), key);
        String none = error(EXPR + "descriptor_key: k");
        assertTrue(none.contains(ACTIONS) && none.contains("expression specifier"), none);
        String syntax = error(EXPR + "descriptor_key: k, text: \"request.(\"");
        assertTrue(syntax.contains(ACTIONS + ".text"), syntax);
        String other = error("\"@type\": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router");
        assertTrue(other.contains(ACTIONS) && other.contains("not supported"), other);
    }

    @Test
    void httpMatchingInputsUnderTheExtensionsName() {
        var header = (RateLimitPolicy.MatchInputValue) translate("\"@type\": type.googleapis.com/"
                + "envoy.type.matcher.v3.HttpRequestHeaderMatchInput, header_name: X-User")
                .virtualHosts().get(0).rateLimits().get(0).actions().get(0);
        assertEquals("x", header.descriptorKey());
        assertEquals(io.remora.config.MatchInput.requestHeader("x-user"), header.input());
        var query = (RateLimitPolicy.MatchInputValue) translate("\"@type\": type.googleapis.com/"
                + "envoy.type.matcher.v3.HttpRequestQueryParamMatchInput, query_param: Plan")
                .virtualHosts().get(0).rateLimits().get(0).actions().get(0);
        assertEquals(io.remora.config.MatchInput.queryParam("Plan"), query.input());
        String empty = error("\"@type\": type.googleapis.com/envoy.type.matcher.v3.HttpRequestHeaderMatchInput");
        assertTrue(empty.contains(ACTIONS + ".header_name"), empty);
        String metadata = error("\"@type\": type.googleapis.com/"
                + "envoy.extensions.matching.common_inputs.network.v3.DynamicMetadataInput,"
                + " filter: f, path: [{ key: k }]");
        assertTrue(metadata.contains(ACTIONS) && metadata.contains("not supported"), metadata);
        String transport = error("\"@type\": type.googleapis.com/"
                + "envoy.extensions.matching.common_inputs.network.v3.TransportProtocolInput");
        assertTrue(transport.contains(ACTIONS) && transport.contains("not supported"), transport);
    }
}

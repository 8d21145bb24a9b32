package io.remora.xds.translate;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.core.v3.GrpcMethodList;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.extensions.filters.common.set_filter_state.v3.FilterStateValue;
import io.envoyproxy.envoy.extensions.filters.http.grpc_stats.v3.FilterConfig;
import io.envoyproxy.envoy.extensions.filters.http.header_to_metadata.v3.Config;
import io.envoyproxy.envoy.extensions.filters.http.json_to_metadata.v3.JsonToMetadata;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** grpc_stats, set_filter_state, header_to_metadata and json_to_metadata configs: accepted, or refused naming the field. */
class ObservabilityFilterTranslationTest {

    private static HttpFilter filter(String name, Message config) {
        return HttpFilter.newBuilder().setName(name).setTypedConfig(Any.pack(config)).build();
    }

    private static String error(HttpFilter f) {
        HttpFilter router = filter("envoy.filters.http.router", Router.getDefaultInstance());
        return assertThrows(TranslationException.class, () -> HttpFilterTranslator.translate(List.of(f, router),
                FieldPath.of("http_filters"), TranslationContext.lenient())).getMessage();
    }

    private static int translated(HttpFilter f) {
        HttpFilter router = filter("envoy.filters.http.router", Router.getDefaultInstance());
        return HttpFilterTranslator.translate(List.of(f, router), FieldPath.of("http_filters"),
                TranslationContext.lenient()).size();
    }

    @Test
    void grpcStats() {
        assertEquals(2, translated(filter("envoy.filters.http.grpc_stats", FilterConfig.getDefaultInstance())));
        FilterConfig bad = FilterConfig.newBuilder().setIndividualMethodStatsAllowlist(GrpcMethodList.newBuilder()
                .addServices(GrpcMethodList.Service.newBuilder().setName("a.B"))).build();
        String e = error(filter("envoy.filters.http.grpc_stats", bad));
        assertEquals(true, e.startsWith("http_filters[0].typed_config.individual_method_stats_allowlist.services[0]"
                + ".method_names"), e);
    }

    @Test
    void setFilterState() {
        var ok = io.envoyproxy.envoy.extensions.filters.http.set_filter_state.v3.Config.newBuilder()
                .addOnRequestHeaders(FilterStateValue.newBuilder().setObjectKey("k").setFactoryKey("envoy.string").setFormatString(
                        SubstitutionFormatString.newBuilder().setTextFormat("%REQ(x)%"))).build();
        assertEquals(2, translated(filter("envoy.filters.http.set_filter_state", ok)));
        var noFormat = io.envoyproxy.envoy.extensions.filters.http.set_filter_state.v3.Config.newBuilder()
                .addOnRequestHeaders(FilterStateValue.newBuilder().setObjectKey("k")).build();
        assertEquals(true, error(filter("envoy.filters.http.set_filter_state", noFormat))
                .startsWith("http_filters[0].typed_config.on_request_headers[0].format_string"));
        var badOperator = io.envoyproxy.envoy.extensions.filters.http.set_filter_state.v3.Config.newBuilder()
                .addOnRequestHeaders(FilterStateValue.newBuilder().setObjectKey("k").setFactoryKey("envoy.string").setFormatString(
                        SubstitutionFormatString.newBuilder().setTextFormat("%NOT_AN_OPERATOR%"))).build();
        String e = error(filter("envoy.filters.http.set_filter_state", badOperator));
        assertEquals(true, e.contains("on_request_headers[0].format_string") && e.contains("NOT_AN_OPERATOR"), e);
    }

    @Test
    void headerToMetadata() {
        Config both = Config.newBuilder().addRequestRules(Config.Rule.newBuilder().setHeader("a").setCookie("b")
                .setOnHeaderPresent(Config.KeyValuePair.newBuilder().setKey("k"))).build();
        assertEquals(true, error(filter("envoy.filters.http.header_to_metadata", both))
                .startsWith("http_filters[0].typed_config.request_rules[0]"));
        Config badGroup = Config.newBuilder().addRequestRules(Config.Rule.newBuilder().setHeader("a")
                .setOnHeaderPresent(Config.KeyValuePair.newBuilder().setKey("k").setRegexValueRewrite(
                        RegexMatchAndSubstitute.newBuilder().setPattern(RegexMatcher.newBuilder().setRegex("^(a)$"))
                                .setSubstitution("\\2")))).build();
        String e = error(filter("envoy.filters.http.header_to_metadata", badGroup));
        assertEquals(true, e.startsWith("http_filters[0].typed_config.request_rules[0].on_header_present"
                + ".regex_value_rewrite.substitution"), e);
        Config missingWithoutValue = Config.newBuilder().addResponseRules(Config.Rule.newBuilder().setHeader("a")
                .setOnHeaderMissing(Config.KeyValuePair.newBuilder().setKey("k"))).build();
        assertEquals(true, error(filter("envoy.filters.http.header_to_metadata", missingWithoutValue))
                .startsWith("http_filters[0].typed_config.response_rules[0].on_header_missing.value"));
    }

    private static String jsonToMetadataError(JsonToMetadata config) {
        return error(filter("envoy.filters.http.json_to_metadata", config));
    }

    @Test
    void jsonToMetadata() {
        JsonToMetadata.Rule.Builder rule = JsonToMetadata.Rule.newBuilder()
                .addSelectors(JsonToMetadata.Selector.newBuilder().setKey("a"))
                .setOnPresent(JsonToMetadata.KeyValuePair.newBuilder().setKey("k"));
        com.google.protobuf.Value v = com.google.protobuf.Value.newBuilder().setStringValue("x").build();
        JsonToMetadata ok = JsonToMetadata.newBuilder().setRequestRules(JsonToMetadata.MatchRules.newBuilder()
                .addRules(rule.clone().setOnMissing(JsonToMetadata.KeyValuePair.newBuilder().setKey("k").setValue(v)))
                .setAllowContentTypesRegex(RegexMatcher.newBuilder().setRegex("application/.*json"))).build();
        assertEquals(2, translated(filter("envoy.filters.http.json_to_metadata", ok)));

        String p = "http_filters[0].typed_config.";
        String e = jsonToMetadataError(JsonToMetadata.getDefaultInstance());
        assertEquals(true, e.startsWith("http_filters[0].typed_config") && e.contains("request_rules"), e);
        e = jsonToMetadataError(JsonToMetadata.newBuilder()
                .setResponseRules(JsonToMetadata.MatchRules.getDefaultInstance()).build());
        assertEquals(true, e.startsWith(p + "response_rules.rules"), e);
        e = jsonToMetadataError(request(rule.clone().clearSelectors()));
        assertEquals(true, e.startsWith(p + "request_rules.rules[0].selectors"), e);
        e = jsonToMetadataError(request(rule.clone().setSelectors(0, JsonToMetadata.Selector.getDefaultInstance())));
        assertEquals(true, e.startsWith(p + "request_rules.rules[0].selectors[0].key"), e);
        e = jsonToMetadataError(request(rule.clone().clearOnPresent()));
        assertEquals(true, e.startsWith(p + "request_rules.rules[0]") && e.contains("on_present"), e);
        e = jsonToMetadataError(request(rule.clone().setOnMissing(JsonToMetadata.KeyValuePair.newBuilder().setKey("k"))));
        assertEquals(true, e.startsWith(p + "request_rules.rules[0].on_missing.value"), e);
        e = jsonToMetadataError(request(rule.clone().setOnError(JsonToMetadata.KeyValuePair.newBuilder().setKey("k"))));
        assertEquals(true, e.startsWith(p + "request_rules.rules[0].on_error.value"), e);
        e = jsonToMetadataError(request(rule.clone().setOnPresent(JsonToMetadata.KeyValuePair.newBuilder())));
        assertEquals(true, e.startsWith(p + "request_rules.rules[0].on_present.key"), e);
        e = jsonToMetadataError(request(rule.clone().setOnPresent(JsonToMetadata.KeyValuePair.newBuilder()
                .setKey("k").setTypeValue(7))));
        assertEquals(true, e.startsWith(p + "request_rules.rules[0].on_present.type"), e);
        e = jsonToMetadataError(JsonToMetadata.newBuilder().setRequestRules(JsonToMetadata.MatchRules.newBuilder()
                .addRules(rule).addAllowContentTypes("")).build());
        assertEquals(true, e.startsWith(p + "request_rules.allow_content_types[0]"), e);
        e = jsonToMetadataError(JsonToMetadata.newBuilder().setRequestRules(JsonToMetadata.MatchRules.newBuilder()
                .addRules(rule).setAllowContentTypesRegex(RegexMatcher.newBuilder().setRegex("(a"))).build());
        assertEquals(true, e.startsWith(p + "request_rules.allow_content_types_regex.regex"), e);
    }

    private static JsonToMetadata request(JsonToMetadata.Rule.Builder rule) {
        return JsonToMetadata.newBuilder().setRequestRules(JsonToMetadata.MatchRules.newBuilder().addRules(rule)).build();
    }
}

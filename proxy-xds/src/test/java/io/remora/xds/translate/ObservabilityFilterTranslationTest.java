package io.remora.xds.translate;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.core.v3.GrpcMethodList;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.extensions.filters.common.set_filter_state.v3.FilterStateValue;
import io.envoyproxy.envoy.extensions.filters.http.grpc_stats.v3.FilterConfig;
import io.envoyproxy.envoy.extensions.filters.http.header_to_metadata.v3.Config;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** grpc_stats, set_filter_state and header_to_metadata configs: accepted, or refused naming the field. */
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
                .addOnRequestHeaders(FilterStateValue.newBuilder().setObjectKey("k").setFormatString(
                        SubstitutionFormatString.newBuilder().setTextFormat("%REQ(x)%"))).build();
        assertEquals(2, translated(filter("envoy.filters.http.set_filter_state", ok)));
        var noFormat = io.envoyproxy.envoy.extensions.filters.http.set_filter_state.v3.Config.newBuilder()
                .addOnRequestHeaders(FilterStateValue.newBuilder().setObjectKey("k")).build();
        assertEquals(true, error(filter("envoy.filters.http.set_filter_state", noFormat))
                .startsWith("http_filters[0].typed_config.on_request_headers[0].format_string"));
        var badOperator = io.envoyproxy.envoy.extensions.filters.http.set_filter_state.v3.Config.newBuilder()
                .addOnRequestHeaders(FilterStateValue.newBuilder().setObjectKey("k").setFormatString(
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
}

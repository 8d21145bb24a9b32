package io.remora.extensions.filters.common.rbac;

import com.github.xds.type.matcher.v3.Matcher;
import io.remora.extensions.filters.common.rbac.RbacEngineTableTest.Input;
import io.remora.rbac.RbacEngine;
import io.remora.xds.bootstrap.ConfigDocuments;
import io.remora.xds.bootstrap.ProtoJson;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.remora.extensions.filters.common.rbac.RbacEngineTableTest.DNS_ONLY;
import static io.remora.extensions.filters.common.rbac.RbacEngineTableTest.SLEEP;
import static io.remora.extensions.filters.common.rbac.RbacEngineTableTest.SUBJECT_ONLY;
import static io.remora.extensions.filters.common.rbac.RbacEngineTableTest.addr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The RBAC filters' {@code matcher} (Envoy's unified matcher with {@code config.rbac.v3.Action}
 * actions), one row per case: the matcher (YAML, through the real translator), the request or
 * connection, and the decision: the first action reached decides (ALLOW and LOG allow, DENY
 * denies) and names the effective policy; nothing reached denies; a peer certificate input on a
 * plaintext connection reaches nothing. Then the inputs each filter refuses, as Envoy does.
 */
class RbacMatcherTableTest {

    static final String NET = "type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.";
    static final String SSL = "type.googleapis.com/envoy.extensions.matching.common_inputs.ssl.v3.";
    static final String HEADER = "type.googleapis.com/envoy.type.matcher.v3.HttpRequestHeaderMatchInput";

    static String input(String type) {
        return "{name: in, typed_config: {'@type': " + type + "}}";
    }

    static String action(String name, String action) {
        return "{action: {name: a, typed_config: {'@type': type.googleapis.com/envoy.config.rbac.v3.Action, name: "
                + name + ", action: " + action + "}}}";
    }

    /** A matcher_list with one single predicate (value_match) leading to an action; optional on_no_match. */
    static String single(String input, String valueMatch, String onMatch, String onNoMatch) {
        return "{matcher_list: {matchers: [{predicate: {single_predicate: {input: " + input + ", value_match: "
                + valueMatch + "}}, on_match: " + onMatch + "}]}"
                + (onNoMatch == null ? "" : ", on_no_match: " + onNoMatch) + "}";
    }

    static Matcher parse(String yaml) {
        Matcher.Builder b = Matcher.newBuilder();
        ProtoJson.merge(ConfigDocuments.parseYaml(yaml, "matcher.yaml"), b, FieldPath.ROOT, TranslationContext.lenient());
        return b.build();
    }

    static RbacEngine engine(String yaml, RbacMatcherTranslator.Filter filter) {
        return RbacMatcherTranslator.engine(parse(yaml), FieldPath.of("matcher"), filter);
    }

    static Stream<Arguments> decisions() {
        Input r = Input.request();
        Input mtls = r.peer(SLEEP);
        String allowSleep = action("allow-sleep", "ALLOW");
        String deny = action("default-deny", "DENY");
        String uriSan = single(input(SSL + "UriSanInput"), "{exact: 'spiffe://cluster.local/ns/default/sa/sleep'}",
                allowSleep, null);
        List<Arguments> rows = new ArrayList<>();
        // Peer certificate inputs.
        rows.add(Arguments.of("uri_san matches", uriSan, mtls, true, "allow-sleep"));
        rows.add(Arguments.of("uri_san: none in the cert, no on_no_match", uriSan, r.peer(DNS_ONLY), false, null));
        rows.add(Arguments.of("uri_san on plaintext: nothing reached, on_no_match not taken",
                single(input(SSL + "UriSanInput"), "{exact: x}", allowSleep, action("fallback", "ALLOW")), r,
                false, null));
        rows.add(Arguments.of("uri_san miss goes to on_no_match", single(input(SSL + "UriSanInput"), "{exact: x}",
                allowSleep, deny), mtls, false, "default-deny"));
        rows.add(Arguments.of("dns_san prefix", single(input(SSL + "DnsSanInput"), "{prefix: db.}",
                action("db", "ALLOW"), null), r.peer(DNS_ONLY), true, "db"));
        rows.add(Arguments.of("subject contains", single(input(SSL + "SubjectInput"), "{contains: 'O=corp'}",
                action("corp", "ALLOW"), null), r.peer(SUBJECT_ONLY), true, "corp"));
        // Network inputs.
        rows.add(Arguments.of("destination port exact map DENY",
                "{matcher_tree: {input: " + input(NET + "DestinationPortInput") + ", exact_match_map: {map: {'8080': "
                        + action("no-8080", "DENY") + "}}}, on_no_match: " + action("rest", "ALLOW") + "}",
                r, false, "no-8080"));
        rows.add(Arguments.of("destination port other goes to on_no_match",
                "{matcher_tree: {input: " + input(NET + "DestinationPortInput") + ", exact_match_map: {map: {'9090': "
                        + action("no-9090", "DENY") + "}}}, on_no_match: " + action("rest", "ALLOW") + "}",
                r, true, "rest"));
        rows.add(Arguments.of("destination ip: IPMatcher tree, longest range first",
                "{matcher_tree: {input: " + input(NET + "DestinationIPInput") + ", custom_match: {name: ip,"
                        + " typed_config: {'@type': type.googleapis.com/xds.type.matcher.v3.IPMatcher, range_matchers: ["
                        + "{ranges: [{address_prefix: 10.0.0.0, prefix_len: 8}], on_match: " + action("ten", "ALLOW") + "},"
                        + "{ranges: [{address_prefix: 10.0.0.0, prefix_len: 24}], on_match: " + action("ten-0", "DENY")
                        + "}]}}}}", r, false, "ten-0"));
        rows.add(Arguments.of("source ip: Ip input matcher", "{matcher_list: {matchers: [{predicate: {single_predicate:"
                + " {input: " + input(NET + "SourceIPInput") + ", custom_match: {name: ip, typed_config: {'@type':"
                + " type.googleapis.com/envoy.extensions.matching.input_matchers.ip.v3.Ip, stat_prefix: s,"
                + " cidr_ranges: [{address_prefix: 192.168.0.0, prefix_len: 16}]}}}}, on_match: "
                + action("lan", "ALLOW") + "}]}}", r, true, "lan"));
        rows.add(Arguments.of("direct source ip is the socket peer, not the forwarded client",
                single(input(NET + "DirectSourceIPInput"), "{exact: 192.168.1.7}", action("peer", "ALLOW"), null),
                r.remotes(addr("192.168.1.7", 1), addr("203.0.113.9", 1)), true, "peer"));
        rows.add(Arguments.of("source port", single(input(NET + "SourcePortInput"), "{exact: '40000'}",
                action("port", "ALLOW"), null), r, true, "port"));
        rows.add(Arguments.of("server name prefix map", "{matcher_tree: {input: " + input(NET + "ServerNameInput")
                + ", prefix_match_map: {map: {'api.': " + action("api", "ALLOW") + "}}}}",
                r.sni("api.example.com"), true, "api"));
        rows.add(Arguments.of("no server name: no key matches", "{matcher_tree: {input: " + input(NET + "ServerNameInput")
                + ", prefix_match_map: {map: {'api.': " + action("api", "ALLOW") + "}}}}", r, false, null));
        // Request headers (HTTP): repeated values are joined with ','.
        rows.add(Arguments.of("header exact", single("{name: h, typed_config: {'@type': " + HEADER
                + ", header_name: X-User}}", "{exact: alice}", action("alice", "ALLOW"), null), r, true, "alice"));
        rows.add(Arguments.of("repeated header joined", single("{name: h, typed_config: {'@type': " + HEADER
                + ", header_name: x-tag}}", "{exact: 'a,b'}", action("tags", "ALLOW"), null), r, true, "tags"));
        rows.add(Arguments.of("absent header", single("{name: h, typed_config: {'@type': " + HEADER
                + ", header_name: x-none}}", "{prefix: a}", action("none", "ALLOW"), deny), r, false, "default-deny"));
        // Predicates combine; the first field matcher that holds decides.
        rows.add(Arguments.of("and/not, first match wins", "{matcher_list: {matchers: ["
                + "{predicate: {and_matcher: {predicate: [{single_predicate: {input: " + input(NET + "DestinationPortInput")
                + ", value_match: {exact: '8080'}}}, {not_matcher: {single_predicate: {input: "
                + input(NET + "SourcePortInput") + ", value_match: {exact: '40000'}}}}]}}, on_match: "
                + action("first", "DENY") + "},"
                + "{predicate: {or_matcher: {predicate: [{single_predicate: {input: " + input(NET + "DestinationPortInput")
                + ", value_match: {exact: '1'}}}, {single_predicate: {input: " + input(NET + "DestinationPortInput")
                + ", value_match: {exact: '8080'}}}]}}, on_match: " + action("second", "ALLOW") + "}]}}",
                r, true, "second"));
        // LOG allows.
        rows.add(Arguments.of("LOG allows", single(input(NET + "DestinationPortInput"), "{exact: '8080'}",
                action("log-it", "LOG"), null), r, true, "log-it"));
        return rows.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("decisions")
    void decides(String name, String yaml, Input in, boolean allowed, String policy) {
        RbacEngine.Decision d = engine(yaml, RbacMatcherTranslator.Filter.HTTP).evaluate(in);
        assertEquals(allowed, d.allowed(), "allowed");
        assertEquals(policy, d.policyId(), "effective policy");
    }

    @org.junit.jupiter.api.Test
    void logHintOnlyWhenTheTreeHasLog() {
        Input r = Input.request();
        String both = "{matcher_tree: {input: " + input(NET + "DestinationPortInput") + ", exact_match_map: {map: {"
                + "'8080': " + action("log-it", "LOG") + ", '9090': " + action("ok", "ALLOW") + "}}}}";
        var e = engine(both, RbacMatcherTranslator.Filter.HTTP);
        assertEquals(Boolean.TRUE, e.evaluate(r).logHint());
        assertEquals(Boolean.FALSE, e.evaluate(r.local(addr("10.0.0.5", 9090))).logHint());
        // Nothing matched: no hint at all (Envoy sets it only on a match).
        assertEquals(null, e.evaluate(r.local(addr("10.0.0.5", 1))).logHint());
        var noLog = engine(single(input(NET + "DestinationPortInput"), "{exact: '8080'}", action("ok", "ALLOW"), null),
                RbacMatcherTranslator.Filter.HTTP);
        assertEquals(null, noLog.evaluate(r).logHint());
    }

    @org.junit.jupiter.api.Test
    void filterStateInputOnTheNetworkFilter() {
        String yaml = single("{name: fs, typed_config: {'@type': " + NET + "FilterStateInput, key: remora.test}}",
                "{exact: blue}", action("blue", "ALLOW"), null);
        var e = engine(yaml, RbacMatcherTranslator.Filter.NETWORK);
        assertTrue(e.evaluate(Input.request().state("remora.test", "blue")).allowed());
        assertEquals(false, e.evaluate(Input.request().state("remora.test", "red")).allowed());
        assertEquals(false, e.evaluate(Input.request()).allowed());
    }

    static final String CEL_INPUT = "{name: cel, typed_config: {'@type': type.googleapis.com/xds.type.matcher.v3.HttpAttributesCelMatchInput}}";

    /** request.headers['x-user'] == 'alice', as a parsed expression (Envoy's CelMatcher takes parsed or checked). */
    static final String CEL_ALICE = "{name: cel, typed_config: {'@type': type.googleapis.com/xds.type.matcher.v3.CelMatcher,"
            + " expr_match: {parsed_expr: {expr: {call_expr: {function: '_==_', args: ["
            + "{call_expr: {function: '_[_]', args: [{select_expr: {operand: {ident_expr: {name: request}}, field: headers}},"
            + " {const_expr: {string_value: x-user}}]}}, {const_expr: {string_value: alice}}]}}}}}}";

    static String celPredicate(String input, String match) {
        return "{matcher_list: {matchers: [{predicate: {single_predicate: {input: " + input + ", " + match + "}},"
                + " on_match: " + action("alice", "ALLOW") + "}]}, on_no_match: " + action("others", "DENY") + "}";
    }

    @org.junit.jupiter.api.Test
    void celMatcherOverTheHttpAttributes() {
        // Envoy's RBAC HTTP filter admits HttpAttributesCelMatchInput with the CelMatcher
        // (source/extensions/matching/input_matchers/cel_matcher): true matches, anything else does not.
        var e = engine(celPredicate(CEL_INPUT, "custom_match: " + CEL_ALICE), RbacMatcherTranslator.Filter.HTTP);
        var alice = e.evaluate(Input.request());
        assertTrue(alice.allowed());
        assertEquals("alice", alice.policyId());
        var bob = new io.netty.handler.codec.http2.DefaultHttp2Headers().method("GET").path("/").add("x-user", "bob");
        var other = e.evaluate(Input.request().headers(bob));
        assertEquals(false, other.allowed());
        assertEquals("others", other.policyId());
        // No such header: the expression fails to evaluate, which is no match.
        assertEquals(false, e.evaluate(Input.request().headers(
                new io.netty.handler.codec.http2.DefaultHttp2Headers().method("GET").path("/"))).allowed());
    }

    static Stream<Arguments> refusals() {
        String ok = action("x", "ALLOW");
        return Stream.of(
                Arguments.of("source type is not an RBAC input", RbacMatcherTranslator.Filter.HTTP,
                        single(input(NET + "SourceTypeInput"), "{exact: local}", ok, null),
                        "matcher.matcher_list.matchers[0].predicate.single_predicate.input.typed_config",
                        "RBAC HTTP filter cannot match on 'envoy.extensions.matching.common_inputs.network.v3.SourceTypeInput'"),
                Arguments.of("the HTTP filter has no filter state input", RbacMatcherTranslator.Filter.HTTP,
                        single("{name: fs, typed_config: {'@type': " + NET + "FilterStateInput, key: k}}", "{exact: v}",
                                ok, null),
                        "matcher.matcher_list.matchers[0].predicate.single_predicate.input.typed_config",
                        "RBAC HTTP filter cannot match on"),
                Arguments.of("the network filter has no headers", RbacMatcherTranslator.Filter.NETWORK,
                        single("{name: h, typed_config: {'@type': " + HEADER + ", header_name: x}}", "{exact: v}",
                                ok, null),
                        "matcher.matcher_list.matchers[0].predicate.single_predicate.input.typed_config",
                        "RBAC network filter cannot match 'envoy.type.matcher.v3.HttpRequestHeaderMatchInput'"),
                Arguments.of("transport protocol is a filter chain input only", RbacMatcherTranslator.Filter.NETWORK,
                        "{matcher_tree: {input: " + input(NET + "TransportProtocolInput")
                                + ", exact_match_map: {map: {tls: " + ok + "}}}}",
                        "matcher.matcher_tree.input.typed_config", "RBAC network filter cannot match"),
                Arguments.of("action must be an RBAC Action", RbacMatcherTranslator.Filter.HTTP,
                        single(input(NET + "DestinationPortInput"), "{exact: '1'}", "{action: {name: a, typed_config:"
                                + " {'@type': type.googleapis.com/google.protobuf.StringValue, value: x}}}", null),
                        "matcher.matcher_list.matchers[0].on_match.action.typed_config",
                        "must be a envoy.config.rbac.v3.Action"),
                Arguments.of("action needs a name", RbacMatcherTranslator.Filter.HTTP,
                        single(input(NET + "DestinationPortInput"), "{exact: '1'}", action("''", "ALLOW"), null),
                        "matcher.matcher_list.matchers[0].on_match.action.typed_config.name", "must not be empty"),
                Arguments.of("the network filter has no CEL input", RbacMatcherTranslator.Filter.NETWORK,
                        celPredicate(CEL_INPUT, "custom_match: " + CEL_ALICE),
                        "matcher.matcher_list.matchers[0].predicate.single_predicate.input.typed_config",
                        "RBAC network filter cannot match 'xds.type.matcher.v3.HttpAttributesCelMatchInput'"),
                Arguments.of("the CEL matcher takes only the CEL input", RbacMatcherTranslator.Filter.HTTP,
                        celPredicate("{name: h, typed_config: {'@type': " + HEADER + ", header_name: x}}",
                                "custom_match: " + CEL_ALICE),
                        "matcher.matcher_list.matchers[0].predicate.single_predicate.input",
                        "Unsupported data input type"),
                Arguments.of("the CEL input has no string value", RbacMatcherTranslator.Filter.HTTP,
                        celPredicate(CEL_INPUT, "value_match: {exact: x}"),
                        "matcher.matcher_list.matchers[0].predicate.single_predicate.value_match",
                        "Unsupported data input type"),
                Arguments.of("a CEL matcher needs an expression", RbacMatcherTranslator.Filter.HTTP,
                        celPredicate(CEL_INPUT, "custom_match: {name: cel, typed_config: {'@type':"
                                + " type.googleapis.com/xds.type.matcher.v3.CelMatcher}}"),
                        "matcher.matcher_list.matchers[0].predicate.single_predicate.custom_match.typed_config.expr_match",
                        "missing required field"),
                Arguments.of("header input needs a name", RbacMatcherTranslator.Filter.HTTP,
                        single("{name: h, typed_config: {'@type': " + HEADER + "}}", "{exact: v}", ok, null),
                        "matcher.matcher_list.matchers[0].predicate.single_predicate.input.typed_config.header_name",
                        "must not be empty"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refuses(String name, RbacMatcherTranslator.Filter filter, String yaml, String path, String message) {
        assertRefused(filter, yaml, path, message);
    }

    /** The matcher is refused at path with a message containing message. */
    static void assertRefused(RbacMatcherTranslator.Filter filter, String yaml, String path, String message) {
        TranslationException e = assertThrows(TranslationException.class, () -> engine(yaml, filter));
        assertEquals(path, e.path());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}

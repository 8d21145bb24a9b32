package io.remora.extensions.filters.common.rbac;

import io.remora.extensions.filters.common.rbac.RbacEngineTableTest.Input;
import io.remora.rbac.RbacEngine;
import io.remora.runtime.Runtime;
import io.remora.runtime.RuntimeLayer;
import io.remora.upstream.lb.XxHash64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.remora.extensions.filters.common.rbac.RbacMatcherTableTest.NET;
import static io.remora.extensions.filters.common.rbac.RbacMatcherTableTest.action;
import static io.remora.extensions.filters.common.rbac.RbacMatcherTableTest.engine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The unified matcher's input matchers (consistent hashing, runtime fraction, metadata) through
 * the real translator and an RBAC HTTP matcher: buckets as Envoy computes them (its own test
 * vectors for xxHash64), the runtime key read with the input's hash, dynamic metadata values,
 * and the configs Envoy refuses, with their field paths.
 */
class InputMatcherTableTest {

    static final String IM = "type.googleapis.com/envoy.extensions.matching.input_matchers.";
    static final String USER = "{name: h, typed_config: {'@type': type.googleapis.com/envoy.type.matcher.v3"
            + ".HttpRequestHeaderMatchInput, header_name: x-user}}";
    static final String SUB = "{name: md, typed_config: {'@type': " + NET + "DynamicMetadataInput,"
            + " filter: envoy.filters.http.jwt_authn, path: [{key: payload}, {key: sub}]}}";

    /** One single predicate with a custom_match, allowing "hit" when it holds; nothing else matches. */
    static String custom(String input, String typedConfig) {
        return "{matcher_list: {matchers: [{predicate: {single_predicate: {input: " + input
                + ", custom_match: {name: m, typed_config: " + typedConfig + "}}}, on_match: "
                + action("hit", "ALLOW") + "}]}}";
    }

    static String hashing(long threshold, long modulo, long seed) {
        return "{'@type': " + IM + "consistent_hashing.v3.ConsistentHashing, threshold: " + threshold
                + ", modulo: " + modulo + ", seed: " + seed + "}";
    }

    static Input user(String name) {
        return Input.request().headers(new io.netty.handler.codec.http2.DefaultHttp2Headers().path("/").add("x-user",
                name));
    }

    @Test
    void xxHash64MatchesEnvoysVectors() {
        // From Envoy's consistent_hashing matcher test: "hello" with seed 0 and with seed 13221.
        assertEquals(2794345569481354659L, XxHash64.hash("hello", 0));
        assertEquals(Long.parseUnsignedLong("10451234660802341186"), XxHash64.hash("hello", 13221));
        // xxHash's own sanity vector: the empty input with seed PRIME32_1.
        assertEquals(0xAC75FDA2929B17EFL, XxHash64.hash(new byte[0], 2654435761L));
    }

    @Test
    void consistentHashingBucketsAsEnvoy() {
        // "hello" % 100 is 59 with seed 0: threshold 59 matches, 60 does not.
        assertTrue(engine(custom(USER, hashing(58, 100, 0)), RbacMatcherTranslator.Filter.HTTP)
                .evaluate(user("hello")).allowed());
        assertTrue(engine(custom(USER, hashing(59, 100, 0)), RbacMatcherTranslator.Filter.HTTP)
                .evaluate(user("hello")).allowed());
        RbacEngine sixty = engine(custom(USER, hashing(60, 100, 0)), RbacMatcherTranslator.Filter.HTTP);
        assertFalse(sixty.evaluate(user("hello")).allowed());
        // Seed 13221 moves it to 86 (the hash read unsigned): above 80.
        RbacEngine seeded = engine(custom(USER, hashing(80, 100, 13221)), RbacMatcherTranslator.Filter.HTTP);
        assertTrue(seeded.evaluate(user("hello")).allowed());
        assertFalse(engine(custom(USER, hashing(80, 100, 0)), RbacMatcherTranslator.Filter.HTTP)
                .evaluate(user("hello")).allowed());
        // No header: no value, no match, even with threshold 0.
        RbacEngine all = engine(custom(USER, hashing(0, 1, 0)), RbacMatcherTranslator.Filter.HTTP);
        assertTrue(all.evaluate(user("anyone")).allowed());
        assertFalse(all.evaluate(Input.request().headers(new io.netty.handler.codec.http2.DefaultHttp2Headers()))
                .allowed());
    }

    @Test
    void runtimeFractionReadsTheKeyWithTheInputsHash() {
        String fifty9 = "{'@type': " + IM + "runtime_fraction.v3.RuntimeFraction, runtime_fraction: {runtime_key: rk,"
                + " default_value: {numerator: %d}}, seed: 0}";
        // Without the key the default applies to hash % 100 = 59.
        assertTrue(engine(custom(USER, fifty9.formatted(60)), RbacMatcherTranslator.Filter.HTTP)
                .evaluate(user("hello")).allowed());
        assertFalse(engine(custom(USER, fifty9.formatted(59)), RbacMatcherTranslator.Filter.HTTP)
                .evaluate(user("hello")).allowed());
        // A runtime value overrides the default: 0% never matches, 100% always does.
        RbacEngine e = engine(custom(USER, fifty9.formatted(60)), RbacMatcherTranslator.Filter.HTTP);
        assertFalse(e.evaluate(new WithRuntime(user("hello"), runtime("rk", "0"))).allowed());
        assertTrue(e.evaluate(new WithRuntime(user("bye"), runtime("rk", "100"))).allowed());
    }

    @Test
    void metadataMatcherReadsTheDynamicMetadataInput() {
        String alice = "{'@type': " + IM + "metadata.v3.Metadata, value: {string_match: {exact: alice}}%s}";
        Input withSub = Input.request().metadata(Map.of("envoy.filters.http.jwt_authn",
                Map.of("payload", Map.of("sub", "alice"))));
        RbacEngine e = engine(custom(SUB, alice.formatted("")), RbacMatcherTranslator.Filter.HTTP);
        assertTrue(e.evaluate(withSub).allowed());
        assertFalse(e.evaluate(Input.request()).allowed());
        RbacEngine inverted = engine(custom(SUB, alice.formatted(", invert: true")), RbacMatcherTranslator.Filter.HTTP);
        assertFalse(inverted.evaluate(withSub).allowed());
        assertTrue(inverted.evaluate(Input.request()).allowed());
        // On a string input the metadata matcher never matches, inverted or not, as in Envoy.
        assertFalse(engine(custom(USER, alice.formatted(", invert: true")), RbacMatcherTranslator.Filter.HTTP)
                .evaluate(user("alice")).allowed());
    }

    @Test
    void aListenersFilterChainMatcherHashesTheSourceAddress() {
        String yaml = "{matcher_list: {matchers: [{predicate: {single_predicate: {input: {name: src, typed_config:"
                + " {'@type': " + NET + "SourceIPInput}}, custom_match: {name: m, typed_config: " + hashing(50, 100, 7)
                + "}}}, on_match: {action: {name: canary}}}]}, on_no_match: {action: {name: stable}}}";
        var matcher = new io.remora.matching.UnifiedMatcherEvaluator<>(io.remora.xds.translate.UnifiedMatcherTranslator
                .filterChains(RbacMatcherTableTest.parse(yaml), io.remora.xds.translate.FieldPath.of("m"),
                        new java.util.HashSet<>()));
        int canary = 0;
        for (int i = 1; i <= 20; i++) {
            String ip = "10.0.0." + i;
            // The address as Envoy's SourceIPInput renders it is what is hashed.
            String want = Long.remainderUnsigned(XxHash64.hash(ip, 7), 100) >= 50 ? "canary" : "stable";
            canary += want.equals("canary") ? 1 : 0;
            assertEquals(want, matcher.match(new io.remora.listener.FilterChainSelector.Input(
                    RbacEngineTableTest.addr("127.0.0.1", 1).getAddress(), 80, null, "raw_buffer", List.of(),
                    RbacEngineTableTest.addr(ip, 1).getAddress(), 40000)), ip);
        }
        assertTrue(canary > 0 && canary < 20, "both sides of the threshold are exercised: " + canary);
    }

    static Stream<Arguments> refusals() {
        String cm = "matcher.matcher_list.matchers[0].predicate.single_predicate.custom_match.typed_config";
        return Stream.of(
                Arguments.of("threshold above modulo", RbacMatcherTranslator.Filter.HTTP,
                        custom(USER, hashing(101, 100, 0)), cm + ".threshold",
                        "threshold cannot be greater than modulo: 101 > 100"),
                Arguments.of("modulo 0", RbacMatcherTranslator.Filter.HTTP, custom(USER, hashing(0, 0, 0)),
                        cm + ".modulo", "greater than 0"),
                Arguments.of("runtime fraction needs runtime_fraction", RbacMatcherTranslator.Filter.HTTP,
                        custom(USER, "{'@type': " + IM + "runtime_fraction.v3.RuntimeFraction, seed: 1}"),
                        cm + ".runtime_fraction", "missing required field"),
                Arguments.of("runtime fraction needs a default value", RbacMatcherTranslator.Filter.HTTP,
                        custom(USER, "{'@type': " + IM + "runtime_fraction.v3.RuntimeFraction, runtime_fraction:"
                                + " {runtime_key: k}}"),
                        cm + ".runtime_fraction.default_value", "missing required field"),
                Arguments.of("metadata matcher needs a value", RbacMatcherTranslator.Filter.HTTP,
                        custom(SUB, "{'@type': " + IM + "metadata.v3.Metadata, invert: true}"), cm + ".value",
                        "missing required field"),
                Arguments.of("unknown input matcher", RbacMatcherTranslator.Filter.HTTP,
                        custom(USER, "{'@type': type.googleapis.com/google.protobuf.StringValue, value: x}"), cm,
                        "unsupported input matcher google.protobuf.StringValue"),
                Arguments.of("metadata input needs a path", RbacMatcherTranslator.Filter.HTTP,
                        custom("{name: md, typed_config: {'@type': " + NET + "DynamicMetadataInput, filter: f}}",
                                "{'@type': " + IM + "metadata.v3.Metadata, value: {present_match: true}}"),
                        "matcher.matcher_list.matchers[0].predicate.single_predicate.input.typed_config.path",
                        "must have at least 1 item"),
                Arguments.of("the network filter has no dynamic metadata input", RbacMatcherTranslator.Filter.NETWORK,
                        custom(SUB, "{'@type': " + IM + "metadata.v3.Metadata, value: {present_match: true}}"),
                        "matcher.matcher_list.matchers[0].predicate.single_predicate.input.typed_config",
                        "RBAC network filter cannot match"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refuses(String name, RbacMatcherTranslator.Filter filter, String yaml, String path, String message) {
        RbacMatcherTableTest.assertRefused(filter, yaml, path, message);
    }

    /** A runtime with one key, through the real snapshot's parsing and feature check. */
    static Runtime runtime(String key, String value) {
        return Runtime.of(List.of(new RuntimeLayer("test", RuntimeLayer.Kind.STATIC,
                Map.of(key, io.remora.runtime.RuntimeEntry.parse(value)))));
    }

    /** An input whose runtime is given. */
    record WithRuntime(Input in, Runtime rt) implements io.remora.rbac.RbacInput {
        public io.netty.handler.codec.http2.Http2Headers headers() {
            return in.headers();
        }

        public java.net.SocketAddress localAddress() {
            return in.localAddress();
        }

        public java.net.SocketAddress directRemoteAddress() {
            return in.directRemoteAddress();
        }

        public java.net.SocketAddress remoteAddress() {
            return in.remoteAddress();
        }

        public String requestedServerName() {
            return in.requestedServerName();
        }

        public io.remora.rbac.PeerIdentity peerIdentity() {
            return in.peerIdentity();
        }

        public Map<String, Map<String, Object>> dynamicMetadata() {
            return in.dynamicMetadata();
        }

        public io.remora.network.FilterState filterState() {
            return in.filterState();
        }

        @Override
        public Runtime runtime() {
            return rt;
        }
    }
}

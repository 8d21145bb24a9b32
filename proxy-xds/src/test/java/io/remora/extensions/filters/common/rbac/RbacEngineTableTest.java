package io.remora.extensions.filters.common.rbac;

import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.EmptyHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.network.FilterState;
import io.remora.rbac.PeerIdentity;
import io.remora.rbac.RbacEngine;
import io.remora.rbac.RbacInput;
import io.remora.xds.bootstrap.ConfigDocuments;
import io.remora.xds.bootstrap.ProtoJson;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every permission and principal of Envoy's {@code config.rbac.v3}, as its documentation and its
 * matchers define them, one row per case: the rule (YAML, as a user writes it), the request or
 * connection it is checked against, and whether it matches. Rules go through the real translator.
 */
class RbacEngineTableTest {

    /** A request or connection as RBAC sees it; tests change one thing at a time. */
    record Input(Http2Headers headers, SocketAddress localAddress, SocketAddress directRemoteAddress,
                 SocketAddress remoteAddress, String requestedServerName, PeerIdentity peerIdentity,
                 Map<String, Map<String, Object>> dynamicMetadata, FilterState filterState) implements RbacInput {

        static Input request() {
            Http2Headers h = new DefaultHttp2Headers().method("GET").path("/api/v1/items?x=1#frag")
                    .authority("shop.example.com");
            h.add("x-user", "alice");
            h.add("x-tag", "a");
            h.add("x-tag", "b");
            return new Input(h, addr("10.0.0.5", 8080), addr("192.168.1.7", 40000), addr("192.168.1.7", 40000),
                    "", null, Map.of(), new FilterState(null));
        }

        Input with(UnaryOperator<Input> f) {
            return f.apply(this);
        }

        Input headers(Http2Headers h) {
            return new Input(h, localAddress, directRemoteAddress, remoteAddress, requestedServerName, peerIdentity,
                    dynamicMetadata, filterState);
        }

        Input local(SocketAddress a) {
            return new Input(headers, a, directRemoteAddress, remoteAddress, requestedServerName, peerIdentity,
                    dynamicMetadata, filterState);
        }

        Input remotes(SocketAddress direct, SocketAddress trusted) {
            return new Input(headers, localAddress, direct, trusted, requestedServerName, peerIdentity,
                    dynamicMetadata, filterState);
        }

        Input sni(String sni) {
            return new Input(headers, localAddress, directRemoteAddress, remoteAddress, sni, peerIdentity,
                    dynamicMetadata, filterState);
        }

        Input peer(PeerIdentity p) {
            return new Input(headers, localAddress, directRemoteAddress, remoteAddress, requestedServerName, p,
                    dynamicMetadata, filterState);
        }

        Input metadata(Map<String, Map<String, Object>> m) {
            return new Input(headers, localAddress, directRemoteAddress, remoteAddress, requestedServerName,
                    peerIdentity, m, filterState);
        }

        Input state(String key, Object value) {
            FilterState s = new FilterState(null);
            s.set(key, value, FilterState.Mutability.READ_ONLY);
            return new Input(headers, localAddress, directRemoteAddress, remoteAddress, requestedServerName,
                    peerIdentity, dynamicMetadata, s);
        }
    }

    static InetSocketAddress addr(String ip, int port) {
        return new InetSocketAddress(io.netty.util.NetUtil.createInetAddressFromIpAddressString(ip), port);
    }

    static final PeerIdentity SLEEP = new PeerIdentity(List.of("spiffe://cluster.local/ns/default/sa/sleep"),
            List.of("sleep.default.svc"), "CN=sleep,O=example");
    static final PeerIdentity DNS_ONLY = new PeerIdentity(List.of(), List.of("db.internal"), "CN=db");
    static final PeerIdentity SUBJECT_ONLY = new PeerIdentity(List.of(), List.of(), "CN=legacy,O=corp");

    static RbacEngine engine(String yaml) {
        RBAC.Builder b = RBAC.newBuilder();
        ProtoJson.merge(ConfigDocuments.parseYaml(yaml, "rbac.yaml"), b, FieldPath.ROOT, TranslationContext.lenient());
        return RbacTranslator.engine(b.build(), FieldPath.of("rules"), TranslationContext.lenient());
    }

    static RbacEngine permission(String perm) {
        return engine("action: ALLOW\npolicies:\n  p:\n    permissions:\n    - " + perm.replace("\n", "\n      ")
                + "\n    principals: [{any: true}]\n");
    }

    static RbacEngine principal(String id) {
        return engine("action: ALLOW\npolicies:\n  p:\n    permissions: [{any: true}]\n    principals:\n    - "
                + id.replace("\n", "\n      ") + "\n");
    }

    static String uriTemplate(String template) {
        return "{uri_template: {name: envoy.path.match.uri_template.uri_template_matcher, typed_config: {'@type':"
                + " type.googleapis.com/envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig,"
                + " path_template: '" + template + "'}}}";
    }

    static Stream<Arguments> permissions() {
        Input r = Input.request();
        List<Arguments> rows = new ArrayList<>();
        rows.add(Arguments.of("any", "{any: true}", r, true));
        // header: Envoy's HeaderMatcher; a multi-valued header matches value by value (Envoy 1.37.1+)
        rows.add(Arguments.of("header exact", "{header: {name: ':method', exact_match: GET}}", r, true));
        rows.add(Arguments.of("header exact other", "{header: {name: ':method', exact_match: POST}}", r, false));
        rows.add(Arguments.of("header string_match prefix", "{header: {name: ':authority', string_match: {prefix: shop.}}}", r, true));
        rows.add(Arguments.of("header present", "{header: {name: x-user, present_match: true}}", r, true));
        rows.add(Arguments.of("header absent: present_match false", "{header: {name: x-none, present_match: false}}", r, true));
        rows.add(Arguments.of("header absent: exact never", "{header: {name: x-none, exact_match: ''}}", r, false));
        rows.add(Arguments.of("header absent: inverted exact still fails", "{header: {name: x-none, exact_match: a, invert_match: true}}", r, false));
        rows.add(Arguments.of("header inverted", "{header: {name: x-user, exact_match: bob, invert_match: true}}", r, true));
        rows.add(Arguments.of("header multi-valued: not the joined string", "{header: {name: x-tag, exact_match: 'a,b'}}", r, false));
        rows.add(Arguments.of("header multi-valued: the second value", "{header: {name: x-tag, exact_match: b}}", r, true));
        rows.add(Arguments.of("header multi-valued: inverted, one value matching", "{header: {name: x-tag, exact_match: b, invert_match: true}}", r, false));
        rows.add(Arguments.of("header multi-valued: inverted, none matching", "{header: {name: x-tag, exact_match: c, invert_match: true}}", r, true));
        rows.add(Arguments.of("header regex", "{header: {name: x-user, safe_regex_match: {regex: 'al.*'}}}", r, true));
        rows.add(Arguments.of("header on a connection: present_match false", "{header: {name: x-user, present_match: false}}",
                r.headers(EmptyHttp2Headers.INSTANCE), true));
        // url_path: query and fragment removed
        rows.add(Arguments.of("url_path exact without query", "{url_path: {path: {exact: /api/v1/items}}}", r, true));
        rows.add(Arguments.of("url_path prefix", "{url_path: {path: {prefix: /api/}}}", r, true));
        rows.add(Arguments.of("url_path ignore_case", "{url_path: {path: {exact: /API/V1/ITEMS, ignore_case: true}}}", r, true));
        rows.add(Arguments.of("url_path other", "{url_path: {path: {exact: /api}}}", r, false));
        rows.add(Arguments.of("url_path on a connection", "{url_path: {path: {prefix: /}}}", r.headers(EmptyHttp2Headers.INSTANCE), false));
        // uri_template: envoy.path.match.uri_template on the path without query and fragment
        rows.add(Arguments.of("uri_template *", uriTemplate("/api/*/items"), r, true));
        rows.add(Arguments.of("uri_template ** (Istio's {**})", uriTemplate("/api/**"), r, true));
        rows.add(Arguments.of("uri_template variables", uriTemplate("/{a}/{v=v1}/{rest=**}"), r, true));
        rows.add(Arguments.of("uri_template * is one segment", uriTemplate("/api/*"), r, false));
        rows.add(Arguments.of("uri_template literal other", uriTemplate("/api/*/item"), r, false));
        rows.add(Arguments.of("uri_template on a connection", uriTemplate("/**"), r.headers(EmptyHttp2Headers.INSTANCE), false));
        // destination ip / port / range
        rows.add(Arguments.of("destination_ip /8", "{destination_ip: {address_prefix: 10.0.0.0, prefix_len: 8}}", r, true));
        rows.add(Arguments.of("destination_ip /32 other", "{destination_ip: {address_prefix: 10.0.0.6, prefix_len: 32}}", r, false));
        rows.add(Arguments.of("destination_ip unset prefix_len is 0", "{destination_ip: {address_prefix: 1.2.3.4}}", r, true));
        rows.add(Arguments.of("destination_ip v6 range, v4 address", "{destination_ip: {address_prefix: '::', prefix_len: 0}}", r, false));
        rows.add(Arguments.of("destination_ip v6", "{destination_ip: {address_prefix: 'fd00::', prefix_len: 8}}",
                r.local(addr("fd00::1", 80)), true));
        rows.add(Arguments.of("destination_port", "{destination_port: 8080}", r, true));
        rows.add(Arguments.of("destination_port other", "{destination_port: 80}", r, false));
        rows.add(Arguments.of("destination_port_range includes start", "{destination_port_range: {start: 8080, end: 8081}}", r, true));
        rows.add(Arguments.of("destination_port_range excludes end", "{destination_port_range: {start: 8000, end: 8080}}", r, false));
        // requested_server_name: "" without SNI
        rows.add(Arguments.of("sni exact", "{requested_server_name: {exact: api.example.com}}", r.sni("api.example.com"), true));
        rows.add(Arguments.of("sni suffix", "{requested_server_name: {suffix: .example.com}}", r.sni("api.example.com"), true));
        rows.add(Arguments.of("no sni matches empty exact", "{requested_server_name: {exact: ''}}", r, true));
        rows.add(Arguments.of("no sni vs name", "{requested_server_name: {exact: api.example.com}}", r, false));
        // metadata (dynamic)
        Input md = r.metadata(Map.of("istio_authn", Map.of("request.auth.claims",
                Map.of("iss", List.of("https://accounts.google.com"), "admin", true, "level", 3.0))));
        rows.add(Arguments.of("metadata list one_of", "{metadata: {filter: istio_authn, path: [{key: request.auth.claims}, {key: iss}],"
                + " value: {list_match: {one_of: {string_match: {exact: 'https://accounts.google.com'}}}}}}", md, true));
        rows.add(Arguments.of("metadata bool", "{metadata: {filter: istio_authn, path: [{key: request.auth.claims}, {key: admin}],"
                + " value: {bool_match: true}}}", md, true));
        rows.add(Arguments.of("metadata double range", "{metadata: {filter: istio_authn, path: [{key: request.auth.claims}, {key: level}],"
                + " value: {double_match: {range: {start: 1, end: 3}}}}}", md, false));
        rows.add(Arguments.of("metadata double exact", "{metadata: {filter: istio_authn, path: [{key: request.auth.claims}, {key: level}],"
                + " value: {double_match: {exact: 3}}}}", md, true));
        rows.add(Arguments.of("metadata present", "{metadata: {filter: istio_authn, path: [{key: request.auth.claims}],"
                + " value: {present_match: true}}}", md, true));
        rows.add(Arguments.of("metadata missing path", "{metadata: {filter: istio_authn, path: [{key: nope}],"
                + " value: {present_match: true}}}", md, false));
        rows.add(Arguments.of("metadata missing, inverted", "{metadata: {filter: istio_authn, path: [{key: nope}],"
                + " value: {present_match: true}, invert: true}}", md, true));
        rows.add(Arguments.of("sourced_metadata dynamic", "{sourced_metadata: {metadata_matcher: {filter: istio_authn,"
                + " path: [{key: request.auth.claims}, {key: admin}], value: {bool_match: true}}}}", md, true));
        // and / or / not
        rows.add(Arguments.of("and all", "{and_rules: {rules: [{destination_port: 8080}, {header: {name: ':method', exact_match: GET}}]}}", r, true));
        rows.add(Arguments.of("and one fails", "{and_rules: {rules: [{destination_port: 8080}, {header: {name: ':method', exact_match: PUT}}]}}", r, false));
        rows.add(Arguments.of("or one", "{or_rules: {rules: [{destination_port: 1}, {destination_port: 8080}]}}", r, true));
        rows.add(Arguments.of("or none", "{or_rules: {rules: [{destination_port: 1}, {destination_port: 2}]}}", r, false));
        rows.add(Arguments.of("not", "{not_rule: {destination_port: 80}}", r, true));
        rows.add(Arguments.of("not not", "{not_rule: {not_rule: {destination_port: 80}}}", r, false));
        return rows.stream();
    }

    static Stream<Arguments> principals() {
        Input r = Input.request();
        List<Arguments> rows = new ArrayList<>();
        rows.add(Arguments.of("any", "{any: true}", r, true));
        // authenticated: TLS only; URI SAN, then DNS SAN, then subject
        rows.add(Arguments.of("authenticated, plaintext", "{authenticated: {}}", r, false));
        rows.add(Arguments.of("authenticated, any peer", "{authenticated: {}}", r.peer(SUBJECT_ONLY), true));
        rows.add(Arguments.of("authenticated uri san", "{authenticated: {principal_name: {exact: 'spiffe://cluster.local/ns/default/sa/sleep'}}}",
                r.peer(SLEEP), true));
        rows.add(Arguments.of("authenticated dns san", "{authenticated: {principal_name: {exact: sleep.default.svc}}}", r.peer(SLEEP), true));
        rows.add(Arguments.of("authenticated dns san only", "{authenticated: {principal_name: {suffix: .internal}}}", r.peer(DNS_ONLY), true));
        rows.add(Arguments.of("authenticated subject", "{authenticated: {principal_name: {exact: 'CN=legacy,O=corp'}}}",
                r.peer(SUBJECT_ONLY), true));
        rows.add(Arguments.of("authenticated other", "{authenticated: {principal_name: {exact: 'spiffe://cluster.local/ns/x/sa/y'}}}",
                r.peer(SLEEP), false));
        rows.add(Arguments.of("authenticated, name but plaintext", "{authenticated: {principal_name: {exact: ''}}}", r, false));
        // source_ip (= the connection's remote), direct_remote_ip, remote_ip (x-forwarded-for aware)
        Input proxied = r.remotes(addr("192.168.1.7", 40000), addr("203.0.113.9", 0));
        rows.add(Arguments.of("source_ip", "{source_ip: {address_prefix: 192.168.0.0, prefix_len: 16}}", proxied, true));
        rows.add(Arguments.of("direct_remote_ip", "{direct_remote_ip: {address_prefix: 192.168.1.7, prefix_len: 32}}", proxied, true));
        rows.add(Arguments.of("direct_remote_ip is not the forwarded client", "{direct_remote_ip: {address_prefix: 203.0.113.0, prefix_len: 24}}",
                proxied, false));
        rows.add(Arguments.of("remote_ip is the forwarded client", "{remote_ip: {address_prefix: 203.0.113.0, prefix_len: 24}}", proxied, true));
        rows.add(Arguments.of("remote_ip not the peer", "{remote_ip: {address_prefix: 192.168.1.7, prefix_len: 32}}", proxied, false));
        // header, url_path as principals
        rows.add(Arguments.of("header", "{header: {name: x-user, exact_match: alice}}", r, true));
        rows.add(Arguments.of("url_path", "{url_path: {path: {suffix: /items}}}", r, true));
        // metadata
        rows.add(Arguments.of("metadata string", "{metadata: {filter: f, path: [{key: k}], value: {string_match: {exact: v}}}}",
                r.metadata(Map.of("f", Map.of("k", "v"))), true));
        // filter_state
        rows.add(Arguments.of("filter_state string", "{filter_state: {key: io.istio.peer_principal, string_match: {exact: 'spiffe://td/ns/a/sa/b'}}}",
                r.state("io.istio.peer_principal", "spiffe://td/ns/a/sa/b"), true));
        rows.add(Arguments.of("filter_state regex", "{filter_state: {key: io.istio.peer_principal, string_match: {safe_regex: {regex: '.*/ns/test/.*'}}}}",
                r.state("io.istio.peer_principal", "spiffe://td/ns/test/sa/b"), true));
        rows.add(Arguments.of("filter_state missing", "{filter_state: {key: io.istio.peer_principal, string_match: {prefix: spiffe}}}", r, false));
        rows.add(Arguments.of("filter_state address", "{filter_state: {key: addr, address_match: {ranges: [{address_prefix: 10.1.0.0, prefix_len: 16}]}}}",
                r.state("addr", addr("10.1.2.3", 0).getAddress()), true));
        // and / or / not
        rows.add(Arguments.of("and_ids", "{and_ids: {ids: [{header: {name: x-user, exact_match: alice}}, {direct_remote_ip: {address_prefix: 192.168.0.0, prefix_len: 16}}]}}",
                r, true));
        rows.add(Arguments.of("or_ids", "{or_ids: {ids: [{header: {name: x-user, exact_match: bob}}, {any: true}]}}", r, true));
        rows.add(Arguments.of("not_id", "{not_id: {header: {name: x-user, exact_match: alice}}}", r, false));
        return rows.stream();
    }

    /** sourced_metadata ROUTE reads the route's metadata, DYNAMIC (the default) the request's. */
    @Test
    void sourcedMetadataFromTheRoute() {
        Input r = Input.request().metadata(Map.of("acme", Map.of("open", false)));
        RbacInput withRoute = new RbacInput() {
            public Http2Headers headers() {
                return r.headers();
            }

            public SocketAddress localAddress() {
                return r.localAddress();
            }

            public SocketAddress directRemoteAddress() {
                return r.directRemoteAddress();
            }

            public SocketAddress remoteAddress() {
                return r.remoteAddress();
            }

            public String requestedServerName() {
                return r.requestedServerName();
            }

            public PeerIdentity peerIdentity() {
                return r.peerIdentity();
            }

            public Map<String, Map<String, Object>> dynamicMetadata() {
                return r.dynamicMetadata();
            }

            public Map<String, Map<String, Object>> routeMetadata() {
                return Map.of("acme", Map.of("open", true));
            }

            public FilterState filterState() {
                return r.filterState();
            }
        };
        String matcher = "metadata_matcher: {filter: acme, path: [{key: open}], value: {bool_match: true}}";
        assertTrue(permission("{sourced_metadata: {metadata_source: ROUTE, " + matcher + "}}").evaluate(withRoute)
                .allowed());
        assertFalse(permission("{sourced_metadata: {" + matcher + "}}").evaluate(withRoute).allowed());
        assertFalse(permission("{sourced_metadata: {metadata_source: ROUTE, " + matcher + "}}").evaluate(r).allowed(),
                "no route, no route metadata");
        // Envoy's MetadataMatcher: without a route a ROUTE matcher is false, whatever it would say of no metadata.
        assertFalse(permission("{sourced_metadata: {metadata_source: ROUTE, metadata_matcher: {filter: acme, path:"
                + " [{key: open}], value: {present_match: true}, invert: true}}}").evaluate(r).allowed(),
                "no route: an inverted matcher does not match either");
        assertTrue(permission("{sourced_metadata: {metadata_source: ROUTE, metadata_matcher: {filter: acme, path:"
                + " [{key: shut}], value: {present_match: true}, invert: true}}}").evaluate(withRoute).allowed(),
                "a route without the key: the inverted matcher matches");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("permissions")
    void permission(String name, String rule, Input input, boolean matches) {
        assertEquals(matches, permission(rule).evaluate(input).allowed(), rule);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("principals")
    void principal(String name, String rule, Input input, boolean matches) {
        assertEquals(matches, principal(rule).evaluate(input).allowed(), rule);
    }

    private static final String TWO_POLICIES = """
            policies:
              b-admins:
                permissions: [{url_path: {path: {prefix: /api/}}}]
                principals: [{header: {name: x-user, exact_match: alice}}]
              a-everyone-get:
                permissions: [{header: {name: ':method', exact_match: GET}}]
                principals: [{any: true}]
              c-nobody:
                permissions: [{destination_port: 1}]
                principals: [{any: true}]
            """;

    @Test
    void allowMatchesFirstPolicyByName() {
        RbacEngine e = engine("action: ALLOW\n" + TWO_POLICIES);
        RbacEngine.Decision d = e.evaluate(Input.request());
        assertTrue(d.allowed());
        // Both a- and b- match; Envoy evaluates in name order, so a- is the effective policy.
        assertEquals("a-everyone-get", d.policyId());
        Http2Headers post = new DefaultHttp2Headers().method("POST").path("/other");
        RbacEngine.Decision none = e.evaluate(Input.request().headers(post));
        assertFalse(none.allowed());
        assertNull(none.policyId());
    }

    @Test
    void denyInvertsTheMatch() {
        RbacEngine e = engine("action: DENY\n" + TWO_POLICIES);
        RbacEngine.Decision d = e.evaluate(Input.request());
        assertFalse(d.allowed());
        assertEquals("a-everyone-get", d.policyId());
        assertTrue(e.evaluate(Input.request().headers(new DefaultHttp2Headers().method("POST").path("/x"))).allowed());
    }

    @Test
    void logAllowsAndReportsTheMatch() {
        RbacEngine e = engine("action: LOG\n" + TWO_POLICIES);
        RbacEngine.Decision d = e.evaluate(Input.request());
        assertTrue(d.allowed());
        assertTrue(d.matched());
        RbacEngine.Decision miss = e.evaluate(Input.request().headers(new DefaultHttp2Headers().method("POST").path("/x")));
        assertTrue(miss.allowed());
        assertFalse(miss.matched());
    }

    @Test
    void badUriTemplatesAreRefusedNamingTheField() {
        var bad = assertThrows(TranslationException.class,
                () -> permission(uriTemplate("/api/**/*")));
        assertTrue(bad.getMessage().contains("rules.policies[\"p\"].permissions[0].uri_template.typed_config"
                + ".path_template"), bad.getMessage());
        var query = assertThrows(TranslationException.class,
                () -> permission(uriTemplate("/api?x=1")));
        assertTrue(query.getMessage().contains("path_template"), query.getMessage());
        var type = assertThrows(TranslationException.class,
                () -> permission("{uri_template: {name: x, typed_config: {'@type':"
                        + " type.googleapis.com/envoy.extensions.path.rewrite.uri_template.v3.UriTemplateRewriteConfig,"
                        + " path_template_rewrite: /x}}}"));
        assertTrue(type.getMessage().contains("uri_template.typed_config"), type.getMessage());
    }

    /** {@code request.headers['x-user'] == <user> && destination.port == 8080}, as a parsed Expr without ids. */
    static String condition(String user) {
        return """
                action: ALLOW
                policies:
                  p:
                    permissions: [{any: true}]
                    principals: [{any: true}]
                    condition:
                      call_expr:
                        function: _&&_
                        args:
                        - call_expr:
                            function: _==_
                            args:
                            - call_expr:
                                function: _[_]
                                args:
                                - select_expr: { operand: { ident_expr: { name: request } }, field: headers }
                                - const_expr: { string_value: x-user }
                            - const_expr: { string_value: %s }
                        - call_expr:
                            function: _==_
                            args:
                            - select_expr: { operand: { ident_expr: { name: destination } }, field: port }
                            - const_expr: { int64_value: 8080 }
                """.formatted(user);
    }

    @Test
    void celConditionMustHoldBesidesPermissionsAndPrincipals() {
        assertTrue(engine(condition("alice")).evaluate(Input.request()).allowed());
        assertFalse(engine(condition("bob")).evaluate(Input.request()).allowed());
        assertFalse(engine(condition("alice")).evaluate(Input.request().local(addr("10.0.0.5", 9090))).allowed());
        // A missing header is an evaluation error: the condition is false, as Envoy's.
        assertFalse(engine(condition("alice")).evaluate(Input.request().headers(new DefaultHttp2Headers())).allowed());
        // Not a boolean: no match either.
        RbacEngine text = engine("""
                policies:
                  p:
                    permissions: [{any: true}]
                    principals: [{any: true}]
                    condition: { const_expr: { string_value: "yes" } }
                """);
        assertFalse(text.evaluate(Input.request()).allowed());
    }

    @Test
    void malformedCelConditionIsRefusedNamingTheField() {
        var e = assertThrows(TranslationException.class, () -> engine("""
                policies:
                  p:
                    permissions: [{any: true}]
                    principals: [{any: true}]
                    condition: { call_expr: { function: _==_, args: [{}, { const_expr: { int64_value: 1 } }] } }
                """));
        assertTrue(e.getMessage().contains("rules.policies[\"p\"].condition"), e.getMessage());
    }

    @Test
    void emptyRules() {
        // rules: {} is ALLOW with no policies: Envoy denies everything; DENY with none allows everything.
        assertFalse(engine("{}").evaluate(Input.request()).allowed());
        assertTrue(engine("action: DENY").evaluate(Input.request()).allowed());
    }

    @Test
    void policyNeedsPermissionAndPrincipal() {
        RbacEngine e = engine("""
                policies:
                  p:
                    permissions: [{destination_port: 8080}]
                    principals: [{header: {name: x-user, exact_match: bob}}, {header: {name: x-user, exact_match: carol}}]
                """);
        assertFalse(e.evaluate(Input.request()).allowed());
        Http2Headers bob = new DefaultHttp2Headers().method("GET").path("/");
        bob.add("x-user", "carol");
        assertTrue(e.evaluate(Input.request().headers(bob)).allowed());
    }

    static Map<String, Map<String, Object>> ns(String ns, String k, Object v) {
        Map<String, Object> inner = new HashMap<>();
        inner.put(k, v);
        return Map.of(ns, inner);
    }
}

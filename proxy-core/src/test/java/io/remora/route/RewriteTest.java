package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.ClusterSpecifier;
import io.remora.config.ForwardAction;
import io.remora.config.HeaderMutation;
import io.remora.config.RouteMatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.List;
import com.google.re2j.Pattern;

import static io.remora.route.Fixtures.caseInsensitive;
import static io.remora.route.Fixtures.config;
import static io.remora.route.Fixtures.forward;
import static io.remora.route.Fixtures.match;
import static io.remora.route.Fixtures.regexRewrite;
import static io.remora.route.Fixtures.request;
import static io.remora.route.Fixtures.route;
import static io.remora.route.Fixtures.vhost;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RewriteTest {

    private static Http2Headers rewrite(RouteMatch m, ForwardAction action, String path) {
        RouteTable t = RouteTable.compile(config(vhost("v", List.of("*"), route("r", m, action))));
        Http2Headers h = request("host.example", path);
        RouteEntry e = t.route(h, 0);
        assertNotNull(e, "no route for " + path);
        e.rewriteRequest(h);
        return h;
    }

    private static ForwardAction prefixRewrite(String rewrite) {
        return forward(new ClusterSpecifier.Single("c"), rewrite, null);
    }

    @ParameterizedTest(name = "prefix {0} -> {1}: {2} => {3}")
    @CsvSource({
            "/prefix, /, /prefix/foo, //foo",
            "/prefix/, /, /prefix/foo, /foo",
            "/prefix, '/new', /prefix/foo?x=1, /new/foo?x=1",
            "/api, /v2/api, /api, /v2/api",
            "/, /base/, /x/y?z, /base/x/y?z",
    })
    void prefixRewriteOfPrefixMatch(String prefix, String rewrite, String path, String expected) {
        Http2Headers h = rewrite(match(new RouteMatch.Prefix(prefix)), prefixRewrite(rewrite), path);
        assertEquals(expected, h.path().toString());
        assertEquals(path, h.get("x-envoy-original-path").toString());
    }

    @Test
    void prefixRewriteCaseInsensitiveReplacesTheMatchedLength() {
        Http2Headers h = rewrite(caseInsensitive(match(new RouteMatch.Prefix("/api"))), prefixRewrite("/v1"), "/API/users");
        assertEquals("/v1/users", h.path().toString());
    }

    @Test
    void prefixRewriteOfExactPathKeepsQuery() {
        Http2Headers h = rewrite(match(new RouteMatch.Path("/old")), prefixRewrite("/new"), "/old?a=b");
        assertEquals("/new?a=b", h.path().toString());
    }

    @Test
    void prefixRewriteOfRegexReplacesThePathPart() {
        Http2Headers h = rewrite(match(new RouteMatch.SafeRegex(Pattern.compile("/v[0-9]+/.*"))), prefixRewrite("/fixed"),
                "/v3/items?x=1");
        assertEquals("/fixed?x=1", h.path().toString());
    }

    @Test
    void prefixRewriteOfPathSeparatedPrefix() {
        Http2Headers h = rewrite(match(new RouteMatch.PathSeparatedPrefix("/api")), prefixRewrite("/backend"),
                "/api/users?q");
        assertEquals("/backend/users?q", h.path().toString());
    }

    @Test
    void emptyPrefixRewriteIsUnsetAsInEnvoy() {
        Http2Headers h = rewrite(match(new RouteMatch.Prefix("/api")), prefixRewrite(""), "/api/users");
        assertEquals("/api/users", h.path().toString());
        assertNull(h.get("x-envoy-original-path"));
    }

    /**
     * Envoy's currentUrlPathAfterRewriteWithMatchedPath: a template rewrite that fails (the path
     * changed after the route matched) returns the old path, which finalizePathHeader still sets
     * with x-envoy-original-path.
     */
    @Test
    void aTemplateRewriteThatFailsKeepsThePathAndNamesTheOriginal() {
        io.remora.matching.UriTemplate t = io.remora.matching.UriTemplate.compile("/t/{v}");
        ForwardAction a = ForwardAction.builder(new ClusterSpecifier.Single("c"))
                .pathTemplateRewrite(io.remora.matching.UriTemplateRewrite.compile("/{v}", t)).build();
        Http2Headers h = request("h", "/t/a");
        RouteTable table = RouteTable.compile(config(vhost("v", List.of("*"),
                route("r", match(new RouteMatch.PathTemplate(t)), a))));
        RouteEntry e = table.route(h, 0);
        assertNotNull(e);
        h.path("/elsewhere/a?q");
        e.rewriteRequest(h);
        assertEquals("/elsewhere/a?q", h.path().toString());
        assertEquals("/elsewhere/a?q", String.valueOf(h.get("x-envoy-original-path")));
    }

    @ParameterizedTest(name = "regex {0} -> {1}: {2} => {3}")
    @CsvSource({
            // Envoy's documented examples
            "'^/service/([^/]+)(/.*)$', '\\2/instance/\\1', /service/foo/v1/api, /v1/api/instance/foo",
            "one, two, /xxx/one/yyy/one/zzz, /xxx/two/yyy/two/zzz",
            "(?i)/xxx/, /yyy/, /aaa/XxX/bbb, /aaa/yyy/bbb",
            // the query is kept and not rewritten
            "one, two, /one?q=one, /two?q=one",
            // '$' is literal in an RE2 substitution
            "/a, '/$1', /a, /$1",
            "/(a), '\\1\\\\', /a, a\\",
    })
    void regexRewriteOfPath(String pattern, String substitution, String path, String expected) {
        ForwardAction a = forward(new ClusterSpecifier.Single("c"), null, regexRewrite(pattern, substitution));
        Http2Headers h = rewrite(match(new RouteMatch.Prefix("/")), a, path);
        assertEquals(expected, h.path().toString());
        assertEquals(path, h.get("x-envoy-original-path").toString());
    }

    @Test
    void regexRewriteToAnEmptyPathLeavesThePathAlone() {
        ForwardAction a = forward(new ClusterSpecifier.Single("c"), null, regexRewrite(".*", ""));
        Http2Headers h = rewrite(match(new RouteMatch.Prefix("/")), a, "/gone?q=1");
        assertEquals("/gone?q=1", h.path().toString());
        assertNull(h.get("x-envoy-original-path"));
    }

    @Test
    void regexRewriteNamingMissingGroupIsRejected() {
        ForwardAction a = forward(new ClusterSpecifier.Single("c"), null, regexRewrite("/(a)", "\\2"));
        var cfg = config(vhost("v", List.of("*"), route("r", match(new RouteMatch.Prefix("/")), a)));
        assertFalse(RouteTable.validate(cfg).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> RouteTable.compile(cfg));
    }

    @Test
    void originalPathCanBeSuppressed() {
        RouteTable t = RouteTable.compile(config(vhost("v", List.of("*"),
                route("r", match(new RouteMatch.Prefix("/a")), prefixRewrite("/b")))));
        Http2Headers h = request("h", "/a/x");
        t.route(h, 0).rewriteRequest(h, false);
        assertEquals("/b/x", h.path().toString());
        assertNull(h.get("x-envoy-original-path"));
    }

    private static ForwardAction hostRewrite(String literal, String header) {
        return new ForwardAction(new ClusterSpecifier.Single("c"), null, null, literal, false, header,
                Duration.ofSeconds(15), null, null, List.of(), null, ForwardAction.UpgradeConfig.NONE);
    }

    @Test
    void hostRewriteLiteral() {
        Http2Headers h = rewrite(match(new RouteMatch.Prefix("/")), hostRewrite("backend.internal", null), "/");
        assertEquals("backend.internal", h.authority().toString());
        // append_x_forwarded_host defaults to false: no x-forwarded-host
        assertNull(h.get("x-forwarded-host"));
    }

    @Test
    void hostRewritePathRegexAndAppendXForwardedHost() {
        ForwardAction byPath = ForwardAction.builder(new ClusterSpecifier.Single("c"))
                .hostRewritePathRegex(new ForwardAction.RegexRewrite(com.google.re2j.Pattern.compile("^/([^/]+)/.*$"),
                        "\\1"))
                .appendXForwardedHost(true)
                .build();
        Http2Headers h = request("front.example", "/envoyproxy.io/some/path?q=/x/y");
        h.set("x-forwarded-host", "edge.example");
        RouteTable.compile(config(vhost("v", List.of("*"), route("r", match(new RouteMatch.Prefix("/")), byPath))))
                .route(h, 0).rewriteRequest(h);
        assertEquals("envoyproxy.io", h.authority().toString(), "the path without its query");
        assertEquals("edge.example,front.example", h.get("x-forwarded-host").toString());
        HostPort.rewrite(h, "again", true, false);
        HostPort.rewrite(h, "again", true, false);
        HostPort.rewrite(h, "again", true, false);
        assertEquals("edge.example,front.example,envoyproxy.io,again", h.get("x-forwarded-host").toString(),
                "a host already last in the list is not appended twice");
    }

    /** Envoy's updateAuthority: x-envoy-original-host unless suppressed; x-forwarded-host's last element compared whole. */
    @Test
    void hostRewriteKeepsTheOldHostAndComparesTheLastForwardedHostWhole() {
        RouteTable t = RouteTable.compile(config(vhost("v", List.of("*"),
                route("r", match(new RouteMatch.Prefix("/")), hostRewrite("backend.internal", null)))));
        Http2Headers h = request("front.example", "/");
        t.route(h, 0).rewriteRequest(h);
        assertEquals("front.example", h.get("x-envoy-original-host").toString());
        Http2Headers suppressed = request("front.example", "/");
        t.route(suppressed, 0).rewriteRequest(suppressed, false);
        assertEquals("backend.internal", suppressed.authority().toString());
        assertNull(suppressed.get("x-envoy-original-host"), "suppress_envoy_headers");

        Http2Headers x = request("a.example", "/");
        x.set("x-forwarded-host", "b.example, a.example");
        HostPort.rewrite(x, "c.example", true, false);
        assertEquals("b.example, a.example,a.example", x.get("x-forwarded-host").toString(),
                "\" a.example\" is not \"a.example\": elements are not trimmed");
        x.set("x-forwarded-host", "c.example,  ,");
        HostPort.rewrite(x, "d.example", true, false);
        assertEquals("c.example,  ,", x.get("x-forwarded-host").toString(), "blank elements are skipped");
    }

    @Test
    void hostRewriteHeader() {
        RouteTable t = RouteTable.compile(config(vhost("v", List.of("*"),
                route("r", match(new RouteMatch.Prefix("/")), hostRewrite(null, "X-Target-Host")))));
        Http2Headers h = request("orig", "/");
        t.route(h, 0).rewriteRequest(h);
        assertEquals("orig", h.authority().toString());
        h.set("x-target-host", "new-host");
        t.route(h, 0).rewriteRequest(h);
        assertEquals("new-host", h.authority().toString());
        h.set("x-target-host", "");
        h.authority("kept");
        t.route(h, 0).rewriteRequest(h);
        assertEquals("kept", h.authority().toString());
    }

    @Test
    void finalizeAppliesMutationsBeforeRewritesAndWeightedHostRewrite() {
        HeaderMutation addOriginal = new HeaderMutation(List.of(new HeaderMutation.HeaderValueOption(
                "x-seen-path", "%REQ(:path)%", HeaderMutation.AppendAction.OVERWRITE_IF_EXISTS_OR_ADD, false)), List.of());
        ClusterSpecifier.Weighted w = new ClusterSpecifier.Weighted(List.of(
                new ClusterSpecifier.WeightedCluster("a", 1, HeaderMutation.NONE, HeaderMutation.NONE, "a.internal"),
                new ClusterSpecifier.WeightedCluster("b", 1, HeaderMutation.NONE, HeaderMutation.NONE, null)), 2);
        var r = new io.remora.config.Route("r", match(new RouteMatch.Prefix("/old")),
                forward(w, "/new", null), addOriginal, HeaderMutation.NONE);
        RouteTable t = RouteTable.compile(config(vhost("v", List.of("*"), r)));
        Http2Headers h = request("orig", "/old/x");
        RouteEntry e = t.route(h, 0);
        e.finalizeRequestHeaders(h, "a", Fixtures.context(), true);
        assertEquals("/old/x", h.get("x-seen-path").toString());
        assertEquals("/new/x", h.path().toString());
        assertEquals("a.internal", h.authority().toString());

        Http2Headers h2 = request("orig", "/old/x");
        e.finalizeRequestHeaders(h2, "b", Fixtures.context(), true);
        assertEquals("orig", h2.authority().toString());
        assertTrue(h2.contains("x-envoy-original-path"));
    }
}

package io.remora.route;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.ClusterSpecifier;
import io.remora.config.HeaderMutation;
import io.remora.config.HeaderMutation.AppendAction;
import io.remora.config.HeaderMutation.HeaderValueOption;
import io.remora.config.Route;
import io.remora.config.RouteConfiguration;
import io.remora.config.VirtualHost;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.SocketAddress;
import java.util.List;
import java.util.stream.Collectors;

import static io.remora.route.Fixtures.context;
import static io.remora.route.Fixtures.forward;
import static io.remora.route.Fixtures.prefix;
import static io.remora.route.Fixtures.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeaderMutationTest {

    private static HeaderMutation add(AppendAction action, String key, String value) {
        return new HeaderMutation(List.of(new HeaderValueOption(key, value, action, false)), List.of());
    }

    private static HeaderMutation mutation(List<HeaderValueOption> add, String... remove) {
        return new HeaderMutation(add, List.of(remove));
    }

    private static HeaderValueOption opt(String key, String value, AppendAction action) {
        return new HeaderValueOption(key, value, action, false);
    }

    /** A table whose weighted cluster "w", route, virtual host and configuration each set one mutation. */
    private static RouteTable table(HeaderMutation weighted, HeaderMutation route, HeaderMutation vhost,
                                    HeaderMutation global, boolean mostSpecificWins, boolean response) {
        HeaderMutation none = HeaderMutation.NONE;
        ClusterSpecifier.Weighted w = new ClusterSpecifier.Weighted(List.of(
                new ClusterSpecifier.WeightedCluster("w", 1, response ? none : weighted, response ? weighted : none, null)), 1);
        Route r = new Route("r", prefix("/"), forward(w, null, null), response ? none : route, response ? route : none);
        VirtualHost vh = new VirtualHost("v", List.of("*"), List.of(r), response ? none : vhost, response ? vhost : none,
                null, false, VirtualHost.TlsRequirement.NONE);
        RouteConfiguration rc = new RouteConfiguration("rc", List.of(vh), response ? none : global,
                response ? global : none, List.of(), 4096);
        return RouteTable.compile(rc.withOptions(false, mostSpecificWins));
    }

    private static Http2Headers mutateRequest(RouteTable t, Http2Headers h) {
        t.route(h, 0).mutateRequestHeaders(h, "w", context());
        return h;
    }

    private static String values(Http2Headers h, String name) {
        return h.getAll(name).stream().map(CharSequence::toString).collect(Collectors.joining(","));
    }

    @Test
    void overwritesLetTheRouteConfigurationWinByDefault() {
        AppendAction ow = AppendAction.OVERWRITE_IF_EXISTS_OR_ADD;
        RouteTable t = table(add(ow, "x-level", "weighted"), add(ow, "x-level", "route"), add(ow, "x-level", "vhost"),
                add(ow, "x-level", "global"), false, false);
        assertEquals("global", values(mutateRequest(t, request("h", "/")), "x-level"));
    }

    @Test
    void mostSpecificHeaderMutationsWinsLetsTheRouteWin() {
        AppendAction ow = AppendAction.OVERWRITE_IF_EXISTS_OR_ADD;
        RouteTable t = table(add(ow, "x-level", "weighted"), add(ow, "x-level", "route"), add(ow, "x-level", "vhost"),
                add(ow, "x-level", "global"), true, false);
        assertEquals("route", values(mutateRequest(t, request("h", "/")), "x-level"));
    }

    @Test
    void appendsAccumulateInEnvoysOrder() {
        AppendAction ap = AppendAction.APPEND_IF_EXISTS_OR_ADD;
        RouteTable t = table(add(ap, "x-level", "weighted"), add(ap, "x-level", "route"), add(ap, "x-level", "vhost"),
                add(ap, "x-level", "global"), false, false);
        Http2Headers h = request("h", "/");
        h.add("x-level", "client");
        assertEquals("client,weighted,route,vhost,global", values(mutateRequest(t, h), "x-level"));
        RouteTable reversed = table(add(ap, "x-level", "weighted"), add(ap, "x-level", "route"),
                add(ap, "x-level", "vhost"), add(ap, "x-level", "global"), true, false);
        assertEquals("weighted,global,vhost,route", values(mutateRequest(reversed, request("h", "/")), "x-level"));
    }

    @Test
    void responseLevelsFollowTheSameOrder() {
        AppendAction ap = AppendAction.APPEND_IF_EXISTS_OR_ADD;
        RouteTable t = table(add(ap, "x-level", "weighted"), add(ap, "x-level", "route"), add(ap, "x-level", "vhost"),
                add(ap, "x-level", "global"), false, true);
        Http2Headers resp = new DefaultHttp2Headers().status("200");
        Http2Headers req = request("h", "/");
        t.route(req, 0).mutateResponseHeaders(resp, "w", context());
        assertEquals("weighted,route,vhost,global", values(resp, "x-level"));
        assertFalse(req.contains("x-level"));
    }

    /** Envoy's maps keep user-agent (request) and cache-control (response) in one entry: appends join it. */
    @Test
    void appendsToAnInlineNameJoinItsEntry() {
        AppendAction ap = AppendAction.APPEND_IF_EXISTS_OR_ADD;
        HeaderMutation m = mutation(List.of(opt("user-agent", "b", ap), opt("x-other", "b", ap),
                new HeaderValueOption("accept", "", ap, true)));
        RouteTable t = table(HeaderMutation.NONE, m, HeaderMutation.NONE, HeaderMutation.NONE, false, false);
        Http2Headers h = request("h", "/");
        h.add("user-agent", "a").add("x-other", "a").add("accept", "*/*");
        mutateRequest(t, h);
        assertEquals(List.of("a,b"), h.getAll("user-agent").stream().map(CharSequence::toString).toList());
        assertEquals(List.of("a", "b"), h.getAll("x-other").stream().map(CharSequence::toString).toList());
        assertEquals("*/*", values(h, "accept"), "an empty value adds nothing to an inline entry");

        RouteTable r = table(HeaderMutation.NONE, add(ap, "cache-control", "no-store"), HeaderMutation.NONE,
                HeaderMutation.NONE, false, true);
        Http2Headers resp = new DefaultHttp2Headers().status("200").add("cache-control", "private");
        r.route(request("h", "/"), 0).mutateResponseHeaders(resp, "w", context());
        assertEquals(List.of("private,no-store"), resp.getAll("cache-control").stream().map(CharSequence::toString).toList());
    }

    @Test
    void weightedLevelOnlyForThePickedCluster() {
        AppendAction ap = AppendAction.APPEND_IF_EXISTS_OR_ADD;
        RouteTable t = table(add(ap, "x-w", "1"), HeaderMutation.NONE, HeaderMutation.NONE, HeaderMutation.NONE, false, false);
        Http2Headers h = request("h", "/");
        t.route(h, 0).mutateRequestHeaders(h, "other", context());
        assertFalse(h.contains("x-w"));
    }

    @ParameterizedTest(name = "{0}, existing={1} -> {2}")
    @CsvSource({
            "APPEND_IF_EXISTS_OR_ADD, '', new",
            "APPEND_IF_EXISTS_OR_ADD, old, 'old,new'",
            "ADD_IF_ABSENT, '', new",
            "ADD_IF_ABSENT, old, old",
            "OVERWRITE_IF_EXISTS_OR_ADD, '', new",
            "OVERWRITE_IF_EXISTS_OR_ADD, old, new",
            "OVERWRITE_IF_EXISTS, '', ''",
            "OVERWRITE_IF_EXISTS, old, new",
    })
    void appendActions(AppendAction action, String existing, String expected) {
        RouteTable t = table(HeaderMutation.NONE, add(action, "x-h", "new"), HeaderMutation.NONE, HeaderMutation.NONE,
                false, false);
        Http2Headers h = request("h", "/");
        if (!existing.isEmpty()) {
            h.add("x-h", existing);
        }
        assertEquals(expected, values(mutateRequest(t, h), "x-h"));
    }

    @Test
    void withinALevelDecisionsSeeTheHeadersBeforeTheLevel() {
        // ADD_IF_ABSENT is decided before the APPEND of the same level lands, overwrites land before adds.
        HeaderMutation m = mutation(List.of(
                opt("x-a", "appended", AppendAction.APPEND_IF_EXISTS_OR_ADD),
                opt("x-a", "if-absent", AppendAction.ADD_IF_ABSENT),
                opt("x-b", "1", AppendAction.APPEND_IF_EXISTS_OR_ADD),
                opt("x-b", "2", AppendAction.OVERWRITE_IF_EXISTS_OR_ADD),
                opt("x-c", "only-if-exists", AppendAction.OVERWRITE_IF_EXISTS),
                opt("x-c", "added", AppendAction.APPEND_IF_EXISTS_OR_ADD)));
        RouteTable t = table(HeaderMutation.NONE, m, HeaderMutation.NONE, HeaderMutation.NONE, false, false);
        Http2Headers h = mutateRequest(t, request("h", "/"));
        assertEquals("appended,if-absent", values(h, "x-a"));
        assertEquals("2,1", values(h, "x-b"));
        assertEquals("added", values(h, "x-c"));
    }

    @Test
    void formattersReadTheHeadersAsTheLevelFoundThem() {
        HeaderMutation m = mutation(List.of(
                opt("x-path", "%REQ(:path)%", AppendAction.OVERWRITE_IF_EXISTS_OR_ADD),
                opt("x-copy", "%REQ(x-path)%", AppendAction.OVERWRITE_IF_EXISTS_OR_ADD)));
        RouteTable t = table(HeaderMutation.NONE, m, HeaderMutation.NONE, HeaderMutation.NONE, false, false);
        Http2Headers h = mutateRequest(t, request("h", "/p"));
        assertEquals("/p", values(h, "x-path"));
        // x-path did not exist yet when x-copy was formatted: empty, so skipped
        assertFalse(h.contains("x-copy"));
    }

    @Test
    void emptyValuesAreSkippedUnlessKept() {
        HeaderMutation m = mutation(List.of(
                new HeaderValueOption("x-dropped", "%REQ(x-missing)%", AppendAction.APPEND_IF_EXISTS_OR_ADD, false),
                new HeaderValueOption("x-kept", "%REQ(x-missing)%", AppendAction.APPEND_IF_EXISTS_OR_ADD, true),
                new HeaderValueOption("x-literal-empty", "", AppendAction.APPEND_IF_EXISTS_OR_ADD, true)));
        RouteTable t = table(HeaderMutation.NONE, m, HeaderMutation.NONE, HeaderMutation.NONE, false, false);
        Http2Headers h = mutateRequest(t, request("h", "/"));
        assertFalse(h.contains("x-dropped"));
        assertEquals("", values(h, "x-kept"));
        assertEquals("", values(h, "x-literal-empty"));
    }

    @Test
    void removalsComeFirst() {
        HeaderMutation m = mutation(List.of(opt("x-r", "new", AppendAction.APPEND_IF_EXISTS_OR_ADD)), "x-r", "X-Gone");
        RouteTable t = table(HeaderMutation.NONE, m, HeaderMutation.NONE, HeaderMutation.NONE, false, false);
        Http2Headers h = request("h", "/");
        h.add("x-r", "old");
        h.add("x-gone", "1");
        mutateRequest(t, h);
        assertEquals("new", values(h, "x-r"));
        assertNull(h.get("x-gone"));
    }

    @Test
    void responseFormattersReadTheRequestFromTheContext() {
        HeaderMutation m = add(AppendAction.APPEND_IF_EXISTS_OR_ADD, "x-echo", "%REQ(x-id)% via %PROTOCOL%");
        RouteTable t = table(HeaderMutation.NONE, m, HeaderMutation.NONE, HeaderMutation.NONE, false, true);
        Http2Headers req = request("h", "/");
        req.add("x-id", "42");
        HeaderFormatter.Context ctx = Fixtures.context("HTTP/2", req);
        Http2Headers resp = new DefaultHttp2Headers().status("200");
        t.route(req, 0).mutateResponseHeaders(resp, "w", ctx);
        assertEquals("42 via HTTP/2", values(resp, "x-echo"));
    }

    @Test
    void validationRejectsPseudoHeadersHostAndUnknownOperators() {
        HeaderMutation bad = mutation(List.of(
                opt(":path", "/x", AppendAction.OVERWRITE_IF_EXISTS_OR_ADD),
                opt("Host", "x", AppendAction.OVERWRITE_IF_EXISTS_OR_ADD),
                opt("x-ok", "%NOT_AN_OPERATOR%", AppendAction.OVERWRITE_IF_EXISTS_OR_ADD),
                opt("x-split", "a\r\nx-evil: 1", AppendAction.OVERWRITE_IF_EXISTS_OR_ADD)), ":authority");
        Route r = new Route("r", prefix("/"), forward("c"), bad, HeaderMutation.NONE);
        VirtualHost vh = new VirtualHost("v", List.of("*"), List.of(r), HeaderMutation.NONE, HeaderMutation.NONE,
                null, false, VirtualHost.TlsRequirement.NONE);
        List<String> problems = RouteTable.validate(new RouteConfiguration("rc", List.of(vh), HeaderMutation.NONE,
                HeaderMutation.NONE, List.of(), 4096));
        assertEquals(5, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("virtual_hosts[0].routes[0].request_headers_to_add[0]"), problems.get(0));
        assertTrue(problems.stream().anyMatch(p -> p.contains("%NOT_AN_OPERATOR%")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("request_headers_to_remove[0]")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("request_headers_to_add[3].header.value: invalid")),
                problems.toString());
    }
}

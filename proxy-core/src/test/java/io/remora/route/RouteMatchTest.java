package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.HeaderMatcher;
import io.remora.config.QueryParameterMatcher;
import io.remora.config.RouteMatch;
import io.remora.config.StringMatcher;
import io.remora.runtime.FractionalPercent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import com.google.re2j.Pattern;

import static io.remora.route.Fixtures.caseInsensitive;
import static io.remora.route.Fixtures.config;
import static io.remora.route.Fixtures.match;
import static io.remora.route.Fixtures.prefix;
import static io.remora.route.Fixtures.request;
import static io.remora.route.Fixtures.route;
import static io.remora.route.Fixtures.routeName;
import static io.remora.route.Fixtures.vhost;
import static io.remora.route.Fixtures.withHeaders;
import static io.remora.route.Fixtures.withQuery;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RouteMatchTest {

    private static boolean matches(RouteMatch m, Http2Headers h) {
        RouteTable t = RouteTable.compile(config(vhost("v", List.of("*"), route("r", m))));
        return t.route(h, 0) != null;
    }

    private static boolean matchesPath(RouteMatch m, String path) {
        return matches(m, request("host", path));
    }

    @ParameterizedTest(name = "prefix {0} on {1}: {2}")
    @CsvSource({
            "/api, /api, true",
            "/api, /api/v1, true",
            "/api, /apiv1, true",
            "/api, /ap, false",
            "/api, /API/v1, false",
            "/, /anything?x=1, true",
            "'', /x, true",
            // the query string is not part of the path
            "/a?b, /a?b=1, false",
    })
    void prefixMatch(String prefix, String path, boolean expected) {
        assertEquals(expected, matchesPath(match(new RouteMatch.Prefix(prefix)), path));
    }

    @ParameterizedTest(name = "path {0} on {1}: {2}")
    @CsvSource({
            "/exact, /exact, true",
            "/exact, /exact?q=1, true",
            "/exact, /exact#frag, true",
            "/exact, /exact/, false",
            "/exact, /exac, false",
            "/exact, /EXACT, false",
    })
    void exactPath(String path, String requestPath, boolean expected) {
        assertEquals(expected, matchesPath(match(new RouteMatch.Path(path)), requestPath));
    }

    @ParameterizedTest(name = "regex {0} on {1}: {2}")
    @CsvSource({
            "/v[0-9]+/.*, /v1/users, true",
            "/v[0-9]+/.*, /v1/users?x=/v2, true",
            "/v[0-9]+, /v12, true",
            // a full match is needed, not a find
            "/v[0-9]+, /v12/x, false",
            "/v[0-9]+, /x/v12, false",
            "^/v[0-9]+$, /v7?y, true",
            // case sensitivity does not apply to regexes
            "/V[0-9]+, /v1, false",
    })
    void safeRegex(String regex, String path, boolean expected) {
        assertEquals(expected, matchesPath(caseInsensitive(match(new RouteMatch.SafeRegex(Pattern.compile(regex)))), path));
    }

    @ParameterizedTest(name = "path_separated_prefix {0} on {1}: {2}")
    @CsvSource({
            "/api, /api, true",
            "/api, /api/, true",
            "/api, /api/v1, true",
            "/api, /api?x=1, true",
            "/api, /api#f, true",
            "/api, /apiv1, false",
            "/api, /ap, false",
    })
    void pathSeparatedPrefix(String prefix, String path, boolean expected) {
        assertEquals(expected, matchesPath(match(new RouteMatch.PathSeparatedPrefix(prefix)), path));
    }

    @ParameterizedTest(name = "case-insensitive {0}")
    @CsvSource({
            "prefix, /API/v1, true",
            "path, /EXACT, true",
            "separated, /API/x, true",
            "separated, /APIx, false",
    })
    void caseInsensitiveMatching(String kind, String path, boolean expected) {
        RouteMatch.PathMatch p = switch (kind) {
            case "prefix" -> new RouteMatch.Prefix("/api");
            case "path" -> new RouteMatch.Path("/exact");
            default -> new RouteMatch.PathSeparatedPrefix("/api");
        };
        assertEquals(expected, matchesPath(caseInsensitive(match(p)), path));
    }

    @Test
    void connectMatcher() {
        RouteMatch m = match(new RouteMatch.ConnectMatcher());
        Http2Headers connect = new io.netty.handler.codec.http2.DefaultHttp2Headers().method("CONNECT").authority("h:443");
        assertTrue(matches(m, connect));
        assertFalse(matches(m, request("h", "/")));
    }

    // --- headers -------------------------------------------------------------------------------

    private static HeaderMatcher exact(String name, String value, boolean invert) {
        return new HeaderMatcher(name, new StringMatcher.Exact(value, false), null, null, invert, false);
    }

    private static boolean headerMatch(HeaderMatcher hm, String... nameValues) {
        Http2Headers h = request("host", "/");
        for (int i = 0; i < nameValues.length; i += 2) {
            h.add(nameValues[i], nameValues[i + 1]);
        }
        return matches(withHeaders(prefix("/"), hm), h);
    }

    /** Envoy's request header map answers "host" with :authority: a host matcher sees the request's authority. */
    @Test
    void hostHeaderMatcherReadsTheAuthority() {
        assertTrue(headerMatch(exact("host", "host", false)));
        assertTrue(headerMatch(exact("Host", "host", false)));
        assertFalse(headerMatch(exact("host", "other", false)));
        assertTrue(headerMatch(new HeaderMatcher("host", null, true, null, false, false)));
    }

    @Test
    void stringMatchKinds() {
        assertTrue(headerMatch(exact("x-a", "v", false), "x-a", "v"));
        assertFalse(headerMatch(exact("x-a", "v", false), "x-a", "V"));
        assertTrue(headerMatch(new HeaderMatcher("x-a", new StringMatcher.Prefix("ab", false), null, null, false, false), "x-a", "abc"));
        assertTrue(headerMatch(new HeaderMatcher("x-a", new StringMatcher.Suffix("bc", false), null, null, false, false), "x-a", "abc"));
        assertTrue(headerMatch(new HeaderMatcher("x-a", new StringMatcher.Contains("b", false), null, null, false, false), "x-a", "abc"));
        assertTrue(headerMatch(new HeaderMatcher("x-a", new StringMatcher.Regex(Pattern.compile("a.c")), null, null, false, false), "x-a", "abc"));
        assertFalse(headerMatch(new HeaderMatcher("x-a", new StringMatcher.Regex(Pattern.compile("a.")), null, null, false, false), "x-a", "abc"));
        // the configured name is matched case-insensitively (header names are lower case)
        assertTrue(headerMatch(exact("X-A", "v", false), "x-a", "v"));
    }

    /** Envoy 1.39's match_headers_individually: any one value matching; invert_match turns the whole answer. */
    @Test
    void multipleValuesAreMatchedOneByOne() {
        assertFalse(headerMatch(exact("x-a", "1,2", false), "x-a", "1", "x-a", "2"));
        assertTrue(headerMatch(exact("x-a", "1", false), "x-a", "1", "x-a", "2"));
        assertTrue(headerMatch(exact("x-a", "2", false), "x-a", "1", "x-a", "2"));
        assertFalse(headerMatch(exact("x-a", "2", true), "x-a", "1", "x-a", "2"));
        assertTrue(headerMatch(exact("x-a", "3", true), "x-a", "1", "x-a", "2"));
        // one header line holding a comma is still one value
        assertTrue(headerMatch(exact("x-a", "1,2", false), "x-a", "1,2"));
    }

    @Test
    void invertMatch() {
        assertFalse(headerMatch(exact("x-a", "v", true), "x-a", "v"));
        assertTrue(headerMatch(exact("x-a", "v", true), "x-a", "other"));
        // an absent header fails an inverted value match: there is nothing to invert
        assertFalse(headerMatch(exact("x-a", "v", true)));
    }

    @ParameterizedTest(name = "present_match={0} invert={1} header present={2} -> {3}")
    @CsvSource({
            "true, false, true, true",
            "true, false, false, false",
            "false, false, true, false",
            "false, false, false, true",
            "true, true, true, false",
            "true, true, false, true",
            "false, true, true, true",
            "false, true, false, false",
    })
    void presentMatch(boolean present, boolean invert, boolean headerPresent, boolean expected) {
        HeaderMatcher hm = new HeaderMatcher("x-p", null, present, null, invert, false);
        assertEquals(expected, headerPresent ? headerMatch(hm, "x-p", "") : headerMatch(hm));
    }

    @ParameterizedTest(name = "range [-10,10) on {0}: {1}")
    @CsvSource({
            "-10, true",
            "0, true",
            "9, true",
            "10, false",
            "-11, false",
            "+5, true",
            "5a, false",
            "'', false",
            "99999999999999999999, false",
    })
    void rangeMatch(String value, boolean expected) {
        HeaderMatcher hm = new HeaderMatcher("x-r", null, null, new HeaderMatcher.Range(-10, 10), false, false);
        assertEquals(expected, headerMatch(hm, "x-r", value));
    }

    @Test
    void rangeInverted() {
        HeaderMatcher hm = new HeaderMatcher("x-r", null, null, new HeaderMatcher.Range(-10, 0), true, false);
        assertFalse(headerMatch(hm, "x-r", "-1"));
        assertTrue(headerMatch(hm, "x-r", "1"));
        assertFalse(headerMatch(hm));
    }

    @Test
    void treatMissingHeaderAsEmpty() {
        HeaderMatcher empty = new HeaderMatcher("x-m", new StringMatcher.Exact("", false), null, null, false, true);
        assertTrue(headerMatch(empty));
        HeaderMatcher notEmpty = new HeaderMatcher("x-m", new StringMatcher.Exact("v", false), null, null, true, true);
        // missing -> "" which is not "v", inverted -> match
        assertTrue(headerMatch(notEmpty));
    }

    @Test
    void allHeaderMatchersMustMatch() {
        RouteMatch m = withHeaders(prefix("/"), exact("a", "1", false), exact("b", "2", false));
        Http2Headers h = request("h", "/");
        h.add("a", "1");
        assertFalse(matches(m, h));
        h.add("b", "2");
        assertTrue(matches(m, h));
    }

    @Test
    void pseudoHeadersCanBeMatched() {
        HeaderMatcher method = exact(":method", "POST", false);
        Http2Headers h = request("h", "/");
        assertFalse(matches(withHeaders(prefix("/"), method), h));
        h.method("POST");
        assertTrue(matches(withHeaders(prefix("/"), method), h));
    }

    // --- query parameters ------------------------------------------------------------------------

    @ParameterizedTest(name = "query {0}: {1}")
    @CsvSource({
            "/p?debug=1, true",
            "/p?a=b&debug=1, true",
            "/p?a=b&debug=1&debug=2, true",
            "/p?debug=2&debug=1, false",
            // as Envoy's parseQueryString, names and values are not percent-decoded
            "/p?debug=%31, false",
            "/p?de%62ug=1, false",
            // as in Envoy the query runs to the end: a fragment is part of the last value
            "/p?debug=1#f, false",
            "/p?debug=%4, false",
            "/p?debug=10, false",
            "/p?xdebug=1, false",
            "/p, false",
            "/p?debug, false",
    })
    void queryStringMatch(String path, boolean expected) {
        RouteMatch m = withQuery(prefix("/"), new QueryParameterMatcher("debug", new StringMatcher.Exact("1", false), false));
        assertEquals(expected, matchesPath(m, path));
    }

    @ParameterizedTest(name = "query present {0}: {1}")
    @CsvSource({
            "/p?debug, true",
            "/p?debug=, true",
            "/p?debug=anything, true",
            "/p?a=debug, false",
            "/p, false",
    })
    void queryPresentMatch(String path, boolean expected) {
        RouteMatch m = withQuery(prefix("/"), new QueryParameterMatcher("debug", null, true));
        assertEquals(expected, matchesPath(m, path));
    }

    @Test
    void queryValueIsMatchedAsSent() {
        RouteMatch m = withQuery(prefix("/"), new QueryParameterMatcher("q", new StringMatcher.Exact("a%20b", false), false));
        assertTrue(matchesPath(m, "/p?q=a%20b"));
        assertFalse(matchesPath(m, "/p?q=a+b"));
        assertFalse(matchesPath(m, "/p?q=a%2520b"));
    }

    // --- grpc and runtime ----------------------------------------------------------------------------

    @ParameterizedTest(name = "grpc content-type {0}: {1}")
    @CsvSource({
            "application/grpc, true",
            "application/grpc+proto, true",
            "application/grpc-web, false",
            "application/json, false",
            "'', false",
    })
    void grpcMatch(String contentType, boolean expected) {
        RouteMatch m = new RouteMatch(new RouteMatch.Prefix("/"), true, List.of(), List.of(), true, null);
        Http2Headers h = request("h", "/pkg.Svc/Method");
        if (!contentType.isEmpty()) {
            h.set("content-type", contentType);
        }
        assertEquals(expected, matches(m, h));
    }

    @Test
    void runtimeFractionUsesTheRandomValue() {
        RouteMatch m = new RouteMatch(new RouteMatch.Prefix("/"), true, List.of(), List.of(), false,
                new FractionalPercent(250_000, FractionalPercent.Denominator.MILLION));
        RouteTable t = RouteTable.compile(config(vhost("v", List.of("*"), route("r", m), route("fallback", prefix("/")))));
        assertEquals("r", t.route(request("h", "/"), 0).route().name());
        assertEquals("r", t.route(request("h", "/"), 249_999).route().name());
        assertEquals("fallback", t.route(request("h", "/"), 250_000).route().name());
        assertEquals("r", t.route(request("h", "/"), 1_000_000 + 5).route().name());
        int hits = 0;
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
        for (int i = 0; i < 10_000; i++) {
            if (t.route(request("h", "/"), rnd.nextLong()).route().name().equals("r")) {
                hits++;
            }
        }
        assertTrue(hits > 2300 && hits < 2700, "hits " + hits);
    }

    /** Envoy's evaluateFractionalPercent: {@code random % denominator < numerator}, the fraction's own denominator. */
    @ParameterizedTest
    @CsvSource({
            "HUNDRED, 24, true", "HUNDRED, 25, false", "HUNDRED, 30, false", "HUNDRED, 124, true",
            "TEN_THOUSAND, 2499, true", "TEN_THOUSAND, 2500, false", "TEN_THOUSAND, 12499, true",
    })
    void runtimeFractionSamplesWithItsOwnDenominator(FractionalPercent.Denominator d, long random, boolean matched) {
        long numerator = d == FractionalPercent.Denominator.HUNDRED ? 25 : 2500;
        RouteMatch m = new RouteMatch(new RouteMatch.Prefix("/"), true, List.of(), List.of(), false,
                new FractionalPercent(numerator, d));
        RouteTable t = RouteTable.compile(config(vhost("v", List.of("*"), route("r", m), route("fallback", prefix("/")))));
        assertEquals(matched ? "r" : "fallback", t.route(request("h", "/"), random).route().name());
    }

    // --- order ---------------------------------------------------------------------------------------

    @Test
    void firstMatchingRouteWins() {
        RouteTable t = RouteTable.compile(config(vhost("v", List.of("*"),
                route("catch-all-first", prefix("/")),
                route("specific", match(new RouteMatch.Path("/specific"))))));
        assertEquals("catch-all-first", routeName(t, request("h", "/specific")));

        RouteTable ordered = RouteTable.compile(config(vhost("v", List.of("*"),
                route("specific", match(new RouteMatch.Path("/specific"))),
                route("api", withHeaders(prefix("/api"), exact("x-v", "2", false))),
                route("api-any", prefix("/api")),
                route("catch-all", prefix("/")))));
        assertEquals("specific", routeName(ordered, request("h", "/specific")));
        Http2Headers v2 = request("h", "/api/x");
        v2.add("x-v", "2");
        assertEquals("api", routeName(ordered, v2));
        assertEquals("api-any", routeName(ordered, request("h", "/api/x")));
        assertEquals("catch-all", routeName(ordered, request("h", "/other")));
    }

    @Test
    void noRouteMatches() {
        RouteTable t = RouteTable.compile(config(vhost("v", List.of("*"), route("r", prefix("/api")))));
        assertNull(t.route(request("h", "/web"), 0));
    }

    /** dynamic_metadata: every matcher against the stream's dynamic metadata; none without a stream. */
    @Test
    void dynamicMetadata() {
        io.remora.config.MetadataMatch tierGold = new io.remora.config.MetadataMatch("acme", List.of("tier"),
                new io.remora.config.ValueMatch.StringValue(new io.remora.config.StringMatcher.Exact("gold", false)),
                false);
        io.remora.config.MetadataMatch notBlocked = new io.remora.config.MetadataMatch("acme", List.of("blocked"),
                new io.remora.config.ValueMatch.BoolValue(true), true);
        RouteMatch m = new RouteMatch(new RouteMatch.Prefix("/"), true, List.of(), List.of(), false, null, null,
                List.of(tierGold, notBlocked), null);
        RouteTable t = RouteTable.compile(config(vhost("v", List.of("*"), route("gold", m), route("rest", prefix("/")))));
        io.remora.accesslog.StreamInfo info = new io.remora.accesslog.StreamInfo();
        assertEquals("rest", t.route(request("h", "/"), 0, io.remora.runtime.Runtime.EMPTY, info).route().name());
        info.setDynamicMetadata("acme", "tier", "gold");
        assertEquals("gold", t.route(request("h", "/"), 0, io.remora.runtime.Runtime.EMPTY, info).route().name());
        info.setDynamicMetadata("acme", "blocked", true);
        assertEquals("rest", t.route(request("h", "/"), 0, io.remora.runtime.Runtime.EMPTY, info).route().name(),
                "the inverted matcher");
        assertEquals("rest", t.route(request("h", "/"), 0).route().name(), "no stream, no metadata");
    }
}

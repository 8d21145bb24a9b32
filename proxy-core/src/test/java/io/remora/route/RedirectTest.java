package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.DirectResponseAction;
import io.remora.config.ForwardAction;
import io.remora.config.RedirectAction;
import io.remora.config.RouteMatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import com.google.re2j.Pattern;

import static io.remora.route.Fixtures.config;
import static io.remora.route.Fixtures.forward;
import static io.remora.route.Fixtures.match;
import static io.remora.route.Fixtures.prefix;
import static io.remora.route.Fixtures.request;
import static io.remora.route.Fixtures.route;
import static io.remora.route.Fixtures.vhost;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class RedirectTest {

    private static String location(RouteMatch m, RedirectAction r, Http2Headers h) {
        RouteTable t = RouteTable.compile(config(vhost("v", List.of("*"), route("r", m, r))));
        return t.route(h, 0).redirectLocation(h);
    }

    private static RedirectAction redirect(String scheme, String host, int port, String path, String prefixRewrite,
                                           boolean stripQuery) {
        return new RedirectAction(nullIfEmpty(scheme), nullIfEmpty(host), port, nullIfEmpty(path),
                nullIfEmpty(prefixRewrite), null, 301, stripQuery);
    }

    private static String nullIfEmpty(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static Http2Headers req(String scheme, String host, String path, String xfp) {
        Http2Headers h = request(host, path);
        h.scheme(scheme);
        if (xfp != null && !xfp.isEmpty()) {
            h.set("x-forwarded-proto", xfp);
        }
        return h;
    }

    @ParameterizedTest(name = "{index}: {0}://{1}{2} -> {10}")
    @CsvSource({
            // scheme, host, path, xfp, scheme_redirect, host_redirect, port_redirect, path_redirect, prefix_rewrite, strip_query, expected
            // https_redirect: the request's default port is dropped when the scheme changes
            "http, foo.com, /a?b=1, http, https, '', 0, '', '', false, https://foo.com/a?b=1",
            "http, foo.com:80, /a, http, https, '', 0, '', '', false, https://foo.com/a",
            "http, foo.com:8080, /a, http, https, '', 0, '', '', false, https://foo.com:8080/a",
            // ...judged by x-forwarded-proto: http over TLS keeps :80
            "https, foo.com:80, /a, https, https, '', 0, '', '', false, https://foo.com:80/a",
            "https, foo.com:443, /a, https, http, '', 0, '', '', false, http://foo.com/a",
            // IPv6 hosts
            "http, '[::1]:80', /a, http, https, '', 0, '', '', false, 'https://[::1]/a'",
            "http, '[::1]', /a, http, https, '', 0, '', '', false, 'https://[::1]/a'",
            // port_redirect replaces the request's port; Envoy writes it even when it is the default
            "http, foo.com:8080, /a, http, '', '', 9090, '', '', false, http://foo.com:9090/a",
            "http, foo.com, /a, http, https, '', 443, '', '', false, https://foo.com:443/a",
            // host_redirect replaces host and port of the request; port_redirect is appended
            "http, foo.com:8080, /a, http, '', bar.com, 0, '', '', false, http://bar.com/a",
            "http, foo.com:8080, /a, http, '', bar.com, 81, '', '', false, http://bar.com:81/a",
            // path_redirect keeps the request's query unless it has its own
            "http, foo.com, /a?x=1, http, '', '', 0, /b, '', false, http://foo.com/b?x=1",
            "http, foo.com, /a?x=1, http, '', '', 0, /b?y=2, '', false, http://foo.com/b?y=2",
            "http, foo.com, /a?x=1, http, '', '', 0, /b?y=2, '', true, http://foo.com/b?y=2",
            "http, foo.com, /a?x=1, http, '', '', 0, /b, '', true, http://foo.com/b",
            "http, foo.com, /a?x=1, http, '', '', 0, b, '', false, http://foo.com/b?x=1",
            // strip_query on the request's path
            "http, foo.com, /a?x=1, http, '', '', 0, '', '', true, http://foo.com/a",
            // prefix_rewrite swaps the matched prefix
            "http, foo.com, /old/x?q, http, '', '', 0, '', /new, false, http://foo.com/new/x?q",
            // without x-forwarded-proto nothing is stripped for a scheme change
            "http, foo.com:80, /a, '', https, '', 0, '', '', false, https://foo.com:80/a",
    })
    void newUri(String scheme, String host, String path, String xfp, String schemeRedirect, String hostRedirect,
                int port, String pathRedirect, String prefixRewrite, boolean strip, String expected) {
        RouteMatch m = prefix(prefixRewrite.isEmpty() ? "/" : "/old");
        assertEquals(expected, location(m, redirect(schemeRedirect, hostRedirect, port, pathRedirect, prefixRewrite, strip),
                req(scheme, host, path, xfp)));
    }

    @Test
    void regexRewriteInRedirectKeepsQuery() {
        RedirectAction r = new RedirectAction(null, null, 0, null, null,
                new ForwardAction.RegexRewrite(Pattern.compile("^/service/([^/]+)(/.*)$"), "\\2/instance/\\1"), 302, false);
        assertEquals("http://foo.com/v1/api/instance/foo?x=1",
                location(prefix("/"), r, req("http", "foo.com", "/service/foo/v1/api?x=1", "http")));
    }

    @Test
    void prefixRewriteOfExactPathMatch() {
        RedirectAction r = new RedirectAction("https", null, 0, null, "/new", null, 301, false);
        assertEquals("https://foo.com/new?x", location(match(new RouteMatch.Path("/old")), r,
                req("http", "foo.com", "/old?x", "http")));
    }

    @Test
    void directResponseRouteGivesTheRequestUri() {
        RouteTable t = RouteTable.compile(config(vhost("v", List.of("*"),
                route("r", prefix("/"), new DirectResponseAction(201, "made")))));
        Http2Headers h = req("https", "foo.com", "/x?y", "https");
        assertEquals("https://foo.com/x?y", t.route(h, 0).redirectLocation(h));
    }

    @Test
    void forwardRouteHasNoLocation() {
        RouteTable t = RouteTable.compile(config(vhost("v", List.of("*"), route("r", prefix("/"), forward("c")))));
        Http2Headers h = req("http", "foo.com", "/", "http");
        assertNull(t.route(h, 0).redirectLocation(h));
    }
}

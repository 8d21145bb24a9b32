package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.ClusterSpecifier;
import io.remora.config.ForwardAction;
import io.remora.config.HeaderMutation;
import io.remora.config.PerFilterConfig;
import io.remora.config.Route;
import io.remora.config.RouteConfiguration;
import io.remora.config.RouteMatch;
import io.remora.matching.UriTemplate;
import io.remora.matching.UriTemplateRewrite;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.List;
import com.google.re2j.Pattern;

import static io.remora.route.Fixtures.match;
import static io.remora.route.Fixtures.request;
import static io.remora.route.Fixtures.route;
import static io.remora.route.Fixtures.vhost;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * {@code ignore_path_parameters_in_path_matching}, matcher by matcher, as Envoy's config_impl.cc:
 * prefix, path, safe_regex and path_separated_prefix routes match
 * {@code sanitizePathBeforePathMatching(path)} (cut at the first ';'), a URI template route
 * ({@code UriTemplateMatcherRouteEntryImpl::matches}) the path as it came; rewrites replace what
 * each route's matcher names, on the path with its parameters.
 */
class IgnorePathParametersTest {

    private static RouteTable table(boolean ignore, Route... routes) {
        return RouteTable.compile(new RouteConfiguration("rc", List.of(vhost("v", List.of("*"), routes)),
                HeaderMutation.NONE, HeaderMutation.NONE, List.of(), 4096, PerFilterConfig.NONE, false, false, ignore));
    }

    private static String routed(boolean ignore, RouteMatch.PathMatch kind, String path) {
        RouteEntry e = table(ignore, route("hit", match(kind))).route(request("h", path), 0);
        return e == null ? "none" : e.route().name();
    }

    private static RouteMatch.PathMatch kind(String kind, String value) {
        return switch (kind) {
            case "prefix" -> new RouteMatch.Prefix(value);
            case "path" -> new RouteMatch.Path(value);
            case "regex" -> new RouteMatch.SafeRegex(Pattern.compile(value));
            case "separated" -> new RouteMatch.PathSeparatedPrefix(value);
            case "template" -> new RouteMatch.PathTemplate(UriTemplate.compile(value));
            default -> throw new IllegalArgumentException(kind);
        };
    }

    @ParameterizedTest(name = "{0} {1} on {2}: {3} (parameters not ignored: {4})")
    @CsvSource({
            "prefix, /api/, /api/v1;a=b, hit, hit",
            "prefix, /api/, /api;a=b/v1, none, none",
            "path, /exact, /exact;jsessionid=1?q, hit, none",
            "path, /exact, /exact;p/more, hit, none",
            "path, /exact, /exactly;p, none, none",
            "regex, /re/[a-z]+, /re/abc;v=2, hit, none",
            "separated, /sep, /sep;x=1, hit, none",
            "separated, /sep, /sep;x=1/y, hit, none",
            // A template sees the parameters: ';' and '=' are pchars a '*' or '{var}' takes.
            "template, /t/{v}, /t/a;x=1, hit, hit",
            "template, /t/{v}, /t/a;x=1/more, none, none",
            "template, /t/{v}/end, /t/a;x/end, hit, hit",
            "template, /t/*.jpg, /t/a.jpg;v=1, none, none",
            "template, /t/*.jpg, /t/a;v=1.jpg, hit, hit",
    })
    void eachMatcherAsEnvoy(String kind, String value, String path, String ignoring, String notIgnoring) {
        assertEquals(ignoring, routed(true, kind(kind, value), path), "ignoring parameters");
        assertEquals(notIgnoring, routed(false, kind(kind, value), path), "not ignoring parameters");
    }

    private static String rewritten(RouteMatch.PathMatch kind, ForwardAction action, String path) {
        RouteTable t = table(true, route("r", match(kind), action));
        Http2Headers h = request("h", path);
        RouteEntry e = t.route(h, 0);
        assertNotNull(e, path);
        e.rewriteRequest(h);
        return h.path().toString();
    }

    private static ForwardAction prefixRewrite(String rewrite) {
        return ForwardAction.builder(new ClusterSpecifier.Single("c")).prefixRewrite(rewrite).build();
    }

    @ParameterizedTest(name = "{0} {1} + prefix_rewrite {2}: {3} => {4}")
    @CsvSource({
            // PathRouteEntryImpl's matched path is the configured path: the parameters stay.
            "path, /exact, /new, /exact;p=1?q=2, /new;p=1?q=2",
            "prefix, /api/, /v2/, /api/x;p?q, /v2/x;p?q",
            "separated, /sep, /other, /sep;p/x, /other;p/x",
            // RegexRouteEntryImpl's is the whole path part, parameters included.
            "regex, /re/[a-z]+, /fixed, /re/abc;v=2?q, /fixed?q",
    })
    void prefixRewriteReplacesWhatTheMatcherNames(String kind, String value, String rewrite, String path,
                                                   String expected) {
        assertEquals(expected, rewritten(kind(kind, value), prefixRewrite(rewrite), path));
    }

    @Test
    void templateRewriteCapturesTheParameters() {
        UriTemplate t = UriTemplate.compile("/t/{v}/{rest=**}");
        ForwardAction a = ForwardAction.builder(new ClusterSpecifier.Single("c"))
                .pathTemplateRewrite(UriTemplateRewrite.compile("/{rest}/{v}", t)).build();
        assertEquals("/x;k=1/y/a;p?q", rewritten(new RouteMatch.PathTemplate(t), a, "/t/a;p/x;k=1/y?q"));
    }
}

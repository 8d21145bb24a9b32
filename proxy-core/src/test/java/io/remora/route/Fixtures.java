package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.http.HeaderBlock;
import io.remora.config.ClusterSpecifier;
import io.remora.config.ForwardAction;
import io.remora.config.HeaderMatcher;
import io.remora.config.HeaderMutation;
import io.remora.config.QueryParameterMatcher;
import io.remora.config.Route;
import io.remora.config.RouteAction;
import io.remora.config.RouteConfiguration;
import io.remora.config.RouteMatch;
import io.remora.config.VirtualHost;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import com.google.re2j.Pattern;

/** Builders for the route model, with Envoy's defaults. */
final class Fixtures {

    private Fixtures() {
    }

    static RouteConfiguration config(VirtualHost... hosts) {
        return new RouteConfiguration("rc", List.of(hosts), HeaderMutation.NONE, HeaderMutation.NONE, List.of(), 4096);
    }

    static VirtualHost vhost(String name, List<String> domains, Route... routes) {
        return new VirtualHost(name, domains, List.of(routes), HeaderMutation.NONE, HeaderMutation.NONE, null, false,
                VirtualHost.TlsRequirement.NONE);
    }

    static Route route(String name, RouteMatch match, RouteAction action) {
        return new Route(name, match, action, HeaderMutation.NONE, HeaderMutation.NONE);
    }

    static Route route(String name, RouteMatch match) {
        return route(name, match, forward(name));
    }

    static RouteMatch prefix(String prefix) {
        return match(new RouteMatch.Prefix(prefix));
    }

    static RouteMatch match(RouteMatch.PathMatch path) {
        return new RouteMatch(path, true, List.of(), List.of(), false, null);
    }

    static RouteMatch withHeaders(RouteMatch m, HeaderMatcher... headers) {
        return new RouteMatch(m.path(), m.caseSensitive(), List.of(headers), m.queryParameters(), m.grpc(),
                m.runtimeFraction());
    }

    static RouteMatch withQuery(RouteMatch m, QueryParameterMatcher... q) {
        return new RouteMatch(m.path(), m.caseSensitive(), m.headers(), List.of(q), m.grpc(),
                m.runtimeFraction());
    }

    static RouteMatch caseInsensitive(RouteMatch m) {
        return new RouteMatch(m.path(), false, m.headers(), m.queryParameters(), m.grpc(),
                m.runtimeFraction());
    }

    static ForwardAction forward(String cluster) {
        return forward(new ClusterSpecifier.Single(cluster), null, null);
    }

    static ForwardAction forward(ClusterSpecifier cluster, String prefixRewrite, ForwardAction.RegexRewrite regex) {
        return new ForwardAction(cluster, prefixRewrite, regex, null, false, null, Duration.ofSeconds(15), null,
                null, List.of(), null, ForwardAction.UpgradeConfig.NONE);
    }

    static ForwardAction.RegexRewrite regexRewrite(String pattern, String substitution) {
        return new ForwardAction.RegexRewrite(Pattern.compile(pattern), substitution);
    }

    /** A request as the codecs hand it to routing: a {@link HeaderBlock} whose values are AsciiStrings. */
    static Http2Headers request(String authority, String path) {
        Http2Headers h = new HeaderBlock().method(AsciiString.of("GET")).scheme(AsciiString.of("http"))
                .path(AsciiString.of(path));
        if (authority != null) {
            h.authority(authority);
        }
        return h;
    }

    static String routeName(RouteTable table, Http2Headers headers) {
        RouteEntry e = table.route(headers, 0);
        return e == null ? null : e.route().name();
    }

    static String vhostName(RouteTable table, Http2Headers headers) {
        RouteEntry e = table.route(headers, 0);
        return e == null ? null : e.virtualHost().name();
    }

    static HeaderFormatter.Context context() {
        return context("HTTP/1.1", null);
    }

    /** A stream's facts for header formatters; {@code request} is what the context's requestHeaders() gives. */
    static HeaderFormatter.Context context(String protocol, Http2Headers request) {
        io.remora.accesslog.StreamInfo info = new io.remora.accesslog.StreamInfo();
        info.downstreamRemoteAddress = new InetSocketAddress("10.1.2.3", 51234);
        info.downstreamLocalAddress = new InetSocketAddress("10.9.8.7", 8080);
        info.protocol = protocol;
        info.requestHeaders = request;
        return () -> info;
    }
}

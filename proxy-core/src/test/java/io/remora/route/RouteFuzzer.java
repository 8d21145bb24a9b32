package io.remora.route;

import com.google.re2j.Pattern;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.ForwardAction;
import io.remora.config.HeaderMatcher;
import io.remora.config.QueryParameterMatcher;
import io.remora.config.RedirectAction;
import io.remora.config.Route;
import io.remora.config.RouteAction;
import io.remora.config.RouteMatch;
import io.remora.config.StringMatcher;
import io.remora.config.VirtualHost;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Random route tables (every kind of path, header and query matcher, rewrites, redirects) against
 * random requests (odd bytes, percent escapes, queries, fragments, hosts with ports): lookups,
 * rewrites and redirects must never throw. Bounded by time: seconds in the unit tests, longer from
 * proxy-bench.
 */
public final class RouteFuzzer {

    private static final String[] REGEXES = {"/v[0-9]+/.*", "(?P<svc>[a-z]+)\\.example\\.com", ".*", "/a|/b",
            "^/service/([^/]+)(/.*)$", "[^/]*", "/\\p{L}+", "(?i)/CaSe/.*"};
    private static final String ALPHABET = "/abcAB09.-_~%?&=#:*@ \t\u00e9\u0000\u00ff";

    /** What one run did. */
    public record Report(long tables, long lookups, long matched) {
    }

    private RouteFuzzer() {
    }

    public static Report run(Duration duration, long seed) {
        Random rnd = new Random(seed);
        long end = System.nanoTime() + duration.toNanos();
        long tables = 0;
        long lookups = 0;
        long matched = 0;
        while (System.nanoTime() < end) {
            RouteTable table;
            try {
                table = RouteTable.compile(Fixtures.config(vhosts(rnd)));
            } catch (IllegalArgumentException refusedAtConfigTime) {
                continue; // e.g. a substitution naming a group its pattern lacks: the translator refuses it
            }
            tables++;
            for (int i = 0; i < 200; i++) {
                Http2Headers h = request(rnd);
                RouteEntry e;
                try {
                    e = table.route(h, rnd.nextLong() & Long.MAX_VALUE);
                } catch (RuntimeException ex) {
                    throw new AssertionError("seed " + seed + ": route lookup threw for " + h, ex);
                }
                lookups++;
                if (e == null) {
                    continue;
                }
                matched++;
                try {
                    if (e.route().action() instanceof RedirectAction) {
                        e.redirectLocation(h);
                    } else {
                        String cluster = e.pickCluster(h, rnd.nextLong() & Long.MAX_VALUE);
                        e.finalizeRequestHeaders(h, cluster, Fixtures.context(), rnd.nextBoolean());
                    }
                } catch (RuntimeException ex) {
                    throw new AssertionError("seed " + seed + ": rewrite threw for " + h, ex);
                }
            }
        }
        return new Report(tables, lookups, matched);
    }

    private static String text(Random rnd, int max) {
        StringBuilder b = new StringBuilder();
        int n = rnd.nextInt(max + 1);
        for (int i = 0; i < n; i++) {
            b.append(ALPHABET.charAt(rnd.nextInt(ALPHABET.length())));
        }
        return b.toString();
    }

    private static VirtualHost[] vhosts(Random rnd) {
        int n = 1 + rnd.nextInt(4);
        VirtualHost[] out = new VirtualHost[n];
        String[] domainKinds = {"*", "*.example.com", "api.example.com", "api.example.com:8080", "example.*", "a"};
        for (int i = 0; i < n; i++) {
            List<String> domains = new ArrayList<>();
            domains.add(i == n - 1 ? "*" : domainKinds[rnd.nextInt(domainKinds.length - 1) + 1] + i);
            int routes = 1 + rnd.nextInt(6);
            Route[] rs = new Route[routes];
            for (int r = 0; r < routes; r++) {
                rs[r] = Fixtures.route("r" + i + "-" + r, match(rnd), action(rnd));
            }
            out[i] = Fixtures.vhost("v" + i, domains, rs);
        }
        return out;
    }

    private static RouteMatch match(Random rnd) {
        RouteMatch.PathMatch path = switch (rnd.nextInt(5)) {
            case 0 -> new RouteMatch.Prefix("/" + text(rnd, 4));
            case 1 -> new RouteMatch.Path("/" + text(rnd, 6));
            case 2 -> new RouteMatch.SafeRegex(Pattern.compile(REGEXES[rnd.nextInt(REGEXES.length)]));
            case 3 -> new RouteMatch.PathSeparatedPrefix("/" + "abc".substring(0, 1 + rnd.nextInt(3)));
            default -> new RouteMatch.ConnectMatcher();
        };
        List<HeaderMatcher> headers = new ArrayList<>();
        if (rnd.nextBoolean()) {
            headers.add(new HeaderMatcher("x-h", stringMatcher(rnd), rnd.nextInt(4) == 0 ? Boolean.TRUE : null,
                    rnd.nextInt(5) == 0 ? new HeaderMatcher.Range(-5, 5) : null, rnd.nextBoolean(), rnd.nextBoolean()));
        }
        List<QueryParameterMatcher> query = new ArrayList<>();
        if (rnd.nextInt(3) == 0) {
            query.add(new QueryParameterMatcher("q", rnd.nextBoolean() ? stringMatcher(rnd) : null, rnd.nextBoolean()));
        }
        return new RouteMatch(path, rnd.nextBoolean(), headers, query, rnd.nextInt(6) == 0,
                rnd.nextInt(6) == 0 ? new io.remora.runtime.FractionalPercent(rnd.nextInt(1_000_001),
                        io.remora.runtime.FractionalPercent.Denominator.MILLION) : null);
    }

    private static StringMatcher stringMatcher(Random rnd) {
        String v = text(rnd, 3);
        boolean ic = rnd.nextBoolean();
        return switch (rnd.nextInt(5)) {
            case 0 -> new StringMatcher.Exact(v, ic);
            case 1 -> new StringMatcher.Prefix(v, ic);
            case 2 -> new StringMatcher.Suffix(v, ic);
            case 3 -> new StringMatcher.Contains(v, ic);
            default -> new StringMatcher.Regex(Pattern.compile(REGEXES[rnd.nextInt(REGEXES.length)]));
        };
    }

    private static RouteAction action(Random rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> Fixtures.forward(new io.remora.config.ClusterSpecifier.Single("c"), "/" + text(rnd, 3), null);
            case 1 -> Fixtures.forward(new io.remora.config.ClusterSpecifier.Single("c"), null,
                    new ForwardAction.RegexRewrite(Pattern.compile(REGEXES[rnd.nextInt(REGEXES.length)]),
                            rnd.nextBoolean() ? "/x/\\1" : "\\0-" + text(rnd, 2).replace("\\", "")));
            case 2 -> new RedirectAction(rnd.nextBoolean() ? "https" : null, rnd.nextBoolean() ? "h" + text(rnd, 2) : null,
                    rnd.nextBoolean() ? 8443 : 0, rnd.nextBoolean() ? "/p" : null, rnd.nextBoolean() ? "/pre" : null,
                    null, 301, rnd.nextBoolean());
            default -> Fixtures.forward("c");
        };
    }

    private static Http2Headers request(Random rnd) {
        String[] methods = {"GET", "POST", "CONNECT", "HEAD", "X"};
        Http2Headers h = new DefaultHttp2Headers(false).method(methods[rnd.nextInt(methods.length)]).scheme("http");
        String[] hosts = {"api.example.com", "api.example.com:8080", "x.example.com", "example.org", "", "a0", "[::1]:80"};
        h.authority(rnd.nextInt(5) == 0 ? text(rnd, 10) : hosts[rnd.nextInt(hosts.length)]);
        if (rnd.nextInt(20) != 0) {
            h.path((rnd.nextInt(8) == 0 ? "" : "/") + text(rnd, 30));
        }
        if (rnd.nextBoolean()) {
            h.add("x-h", text(rnd, 4));
        }
        if (rnd.nextInt(4) == 0) {
            h.add("content-type", "application/grpc");
        }
        return h;
    }

    /** {@code RouteFuzzer [seconds] [seed]}: a longer run, e.g. from proxy-bench/fuzz.sh. */
    public static void main(String[] args) {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 60;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : System.nanoTime();
        System.out.println("route fuzz: " + seconds + " s, seed " + seed);
        System.out.println(run(Duration.ofSeconds(seconds), seed));
    }
}

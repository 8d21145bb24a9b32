package io.remora.extensions.filters.network.thrift_proxy;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.route.CompiledHeaderMatcher;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The route table compiled once per filter: the first route whose method or service name (and
 * headers) match, inverted when asked, picks the cluster as Envoy's thrift RouteMatcher does.
 */
final class ThriftRouteMatcher {

    /** A routing decision: the cluster and its subset criteria. */
    record Target(ThriftRoute route, String cluster, Map<String, Object> metadataMatch) {
    }

    private final ThriftRoute[] routes;
    private final CompiledHeaderMatcher[][] headers;
    private final long[] totalWeights;

    ThriftRouteMatcher(List<ThriftRoute> routes) {
        this.routes = routes.toArray(new ThriftRoute[0]);
        this.headers = new CompiledHeaderMatcher[this.routes.length][];
        this.totalWeights = new long[this.routes.length];
        for (int i = 0; i < this.routes.length; i++) {
            ThriftRoute r = this.routes[i];
            headers[i] = r.headers().stream().map(CompiledHeaderMatcher::new).toArray(CompiledHeaderMatcher[]::new);
            for (ThriftRoute.Weighted w : r.weighted()) {
                totalWeights[i] += w.weight();
            }
        }
    }

    /** The target of a request, or null when no route matches (or a cluster header is missing). */
    Target route(ThriftMessage m) {
        Http2Headers h = null;
        for (int i = 0; i < routes.length; i++) {
            ThriftRoute r = routes[i];
            if (headers[i].length > 0) {
                if (h == null) {
                    h = headers(m);
                }
                if (!allMatch(headers[i], h)) {
                    continue;
                }
            }
            boolean matches = r.methodName() != null
                    ? r.methodName().isEmpty() || r.methodName().equals(m.name)
                    : r.serviceName().isEmpty() || m.name.startsWith(r.serviceName());
            if (matches ^ r.invert()) {
                Target t = target(r, i, m);
                if (t != null) {
                    return t;
                }
            }
        }
        return null;
    }

    private Target target(ThriftRoute r, int i, ThriftMessage m) {
        if (!r.weighted().isEmpty()) {
            long pick = ThreadLocalRandom.current().nextLong(totalWeights[i]);
            long end = 0;
            for (ThriftRoute.Weighted w : r.weighted()) {
                end += w.weight();
                if (pick < end) {
                    return new Target(r, w.name(), w.metadataMatch());
                }
            }
        }
        if (r.clusterHeader() != null) {
            String c = m.headers.get(r.clusterHeader());
            if (c == null) {
                // Header keys may have kept their case: look the name up case-insensitively.
                for (Map.Entry<String, String> e : m.headers.entrySet()) {
                    if (e.getKey().equalsIgnoreCase(r.clusterHeader())) {
                        c = e.getValue();
                        break;
                    }
                }
            }
            return c == null ? null : new Target(r, c, r.metadataMatch());
        }
        return new Target(r, r.cluster(), r.metadataMatch());
    }

    private static boolean allMatch(CompiledHeaderMatcher[] ms, Http2Headers h) {
        for (CompiledHeaderMatcher c : ms) {
            if (!c.matches(h)) {
                return false;
            }
        }
        return true;
    }

    private static Http2Headers headers(ThriftMessage m) {
        DefaultHttp2Headers h = new DefaultHttp2Headers(false);
        for (Map.Entry<String, String> e : m.headers.entrySet()) {
            h.add(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue());
        }
        return h;
    }
}

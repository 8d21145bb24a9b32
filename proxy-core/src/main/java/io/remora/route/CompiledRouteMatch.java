package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.RouteMatch;

/** A route's {@code match}, compiled: every condition of Envoy's RouteEntryImplBase::matchRoute. */
final class CompiledRouteMatch {

    private static final AsciiString CONTENT_TYPE = AsciiString.cached("content-type");
    private static final String GRPC = "application/grpc";

    private final PathMatcher pathMatcher;
    private final CompiledHeaderMatcher[] headerMatchers;
    private final CompiledQueryParameterMatcher[] queryMatchers;
    /** {@code dynamic_metadata}; null when the route has none. */
    private final io.remora.config.MetadataMatch[] metadataMatchers;
    private final RouteMatch.TlsContextMatch tlsContext;
    /** {@code match.filter_state}; null when it has none. */
    private final io.remora.matching.FilterStateMatch[] filterStateMatchers;
    private final boolean grpc;
    /** {@code runtime_fraction.default_value}; null when the route samples nothing. */
    private final io.remora.runtime.FractionalPercent runtimeDefault;
    private final String runtimeKey;

    CompiledRouteMatch(RouteMatch m) {
        pathMatcher = PathMatcher.of(m.path(), m.caseSensitive());
        headerMatchers = m.headers() == null ? new CompiledHeaderMatcher[0]
                : m.headers().stream().map(CompiledHeaderMatcher::forRequest).toArray(CompiledHeaderMatcher[]::new);
        queryMatchers = m.queryParameters() == null ? new CompiledQueryParameterMatcher[0]
                : m.queryParameters().stream().map(q -> new CompiledQueryParameterMatcher(q, false))
                .toArray(CompiledQueryParameterMatcher[]::new);
        metadataMatchers = m.dynamicMetadata().isEmpty() ? null
                : m.dynamicMetadata().toArray(new io.remora.config.MetadataMatch[0]);
        tlsContext = m.tlsContext();
        filterStateMatchers = m.filterState().isEmpty() ? null
                : m.filterState().toArray(new io.remora.matching.FilterStateMatch[0]);
        grpc = m.grpc();
        runtimeDefault = m.runtimeFraction();
        runtimeKey = m.runtimeKey() == null || m.runtimeKey().isEmpty() ? null : m.runtimeKey();
    }

    PathMatcher pathMatcher() {
        return pathMatcher;
    }

    /**
     * Whether the request matches; {@code pathEnd} ends the path part of {@code path};
     * {@code stream} (null: none) holds the dynamic metadata and filter state the filters before
     * the router set.
     */
    boolean matches(Http2Headers headers, CharSequence path, int pathEnd, long random, io.remora.runtime.Runtime runtime,
                    io.remora.accesslog.StreamInfo stream) {
        if (!pathMatcher.matches(headers, path, pathEnd)) {
            return false;
        }
        if (runtimeDefault != null) {
            // Envoy's featureEnabled(runtime_key, default_value, random): the runtime's value, when
            // set, replaces the default; either is sampled with its own denominator, so a route and a
            // mirror policy of the same fraction take the same streams.
            if (runtimeKey != null ? !runtime.featureEnabled(runtimeKey, runtimeDefault, random)
                    : !runtimeDefault.evaluate(random)) {
                return false;
            }
        }
        for (CompiledHeaderMatcher h : headerMatchers) {
            if (!h.matches(headers)) {
                return false;
            }
        }
        for (CompiledQueryParameterMatcher q : queryMatchers) {
            if (!q.matches(path, pathEnd)) {
                return false;
            }
        }
        if (metadataMatchers != null) {
            java.util.Map<String, java.util.Map<String, Object>> md = stream == null ? java.util.Map.of()
                    : stream.dynamicMetadata();
            for (io.remora.config.MetadataMatch mm : metadataMatchers) {
                if (!mm.matches(md)) {
                    return false;
                }
            }
        }
        if (tlsContext != null && !tlsMatches(stream == null ? null : stream.downstreamTls())) {
            return false;
        }
        if (filterStateMatchers != null) {
            io.remora.network.FilterState fs = stream == null ? null : stream.filterState();
            for (io.remora.matching.FilterStateMatch f : filterStateMatchers) {
                if (!f.matches(fs)) {
                    return false;
                }
            }
        }
        return !grpc || isGrpc(headers);
    }

    private boolean tlsMatches(io.remora.tls.TlsConnection tls) {
        boolean presented = tls != null && tls.peerCertificate() != null;
        boolean validated = tls != null && tls.peerCertificateValidated();
        return (tlsContext.presented() == null || tlsContext.presented() == presented)
                && (tlsContext.validated() == null || tlsContext.validated() == validated);
    }

    /** Envoy's isGrpcRequestHeaders: a :path and content-type application/grpc or application/grpc+*. */
    static boolean isGrpc(Http2Headers headers) {
        if (headers.path() == null) {
            return false;
        }
        CharSequence ct = headers.get(CONTENT_TYPE);
        return ct != null && AsciiCase.regionEquals(ct, 0, GRPC)
                && (ct.length() == GRPC.length() || ct.charAt(GRPC.length()) == '+');
    }
}

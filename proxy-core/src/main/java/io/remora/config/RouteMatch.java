package io.remora.config;

import java.util.List;
import com.google.re2j.Pattern;
import io.remora.runtime.FractionalPercent;

/**
 * {@code config.route.v3.RouteMatch}. The path part is matched on the path without the query
 * string; {@code caseSensitive} (default true) applies to prefix, path and path_separated_prefix.
 *
 * @param runtimeFraction {@code runtime_fraction.default_value}, sampled with its own denominator; null = all
 * @param grpc            {@code grpc: {}}: only gRPC requests (content-type application/grpc*)
 * @param runtimeKey      {@code runtime_fraction.runtime_key}: the runtime value overrides the default
 *                        fraction (an integer is a percentage); null or empty = the default only
 * @param dynamicMetadata {@code dynamic_metadata}: each must match the request's dynamic metadata
 *                        as the filters before the router left it
 * @param tlsContext      {@code tls_context}, or null when unset
 * @param filterState     {@code filter_state}: each must match the request's filter state as the filters
 *                        before the router left it
 */
public record RouteMatch(
        PathMatch path,
        boolean caseSensitive,
        List<HeaderMatcher> headers,
        List<QueryParameterMatcher> queryParameters,
        boolean grpc,
        FractionalPercent runtimeFraction,
        String runtimeKey,
        List<MetadataMatch> dynamicMetadata,
        TlsContextMatch tlsContext,
        List<io.remora.matching.FilterStateMatch> filterState) {

    public RouteMatch {
        dynamicMetadata = dynamicMetadata == null ? List.of() : List.copyOf(dynamicMetadata);
        filterState = filterState == null ? List.of() : List.copyOf(filterState);
    }

    public RouteMatch(PathMatch path, boolean caseSensitive, List<HeaderMatcher> headers,
                      List<QueryParameterMatcher> queryParameters, boolean grpc, FractionalPercent runtimeFraction,
                      String runtimeKey, List<MetadataMatch> dynamicMetadata, TlsContextMatch tlsContext) {
        this(path, caseSensitive, headers, queryParameters, grpc, runtimeFraction, runtimeKey,
                dynamicMetadata, tlsContext, List.of());
    }

    public RouteMatch(PathMatch path, boolean caseSensitive, List<HeaderMatcher> headers,
                      List<QueryParameterMatcher> queryParameters, boolean grpc, FractionalPercent runtimeFraction,
                      String runtimeKey) {
        this(path, caseSensitive, headers, queryParameters, grpc, runtimeFraction, runtimeKey, List.of(),
                null);
    }

    /**
     * {@code tls_context}: whether the downstream presented a certificate, and whether it was
     * validated against trusted CAs; null for a criterion not set. A plaintext request has neither.
     */
    public record TlsContextMatch(Boolean presented, Boolean validated) {
    }

    public RouteMatch(PathMatch path, boolean caseSensitive, List<HeaderMatcher> headers,
                      List<QueryParameterMatcher> queryParameters, boolean grpc, FractionalPercent runtimeFraction) {
        this(path, caseSensitive, headers, queryParameters, grpc, runtimeFraction, null);
    }

    public sealed interface PathMatch {
    }

    /** {@code prefix}. */
    public record Prefix(String prefix) implements PathMatch {
    }

    /** {@code path}: exact. */
    public record Path(String path) implements PathMatch {
    }

    /** {@code safe_regex}: the whole path (without query) must match. */
    public record SafeRegex(Pattern regex) implements PathMatch {
    }

    /** {@code path_separated_prefix}: prefix followed by end, '/', '?' or '#'. */
    public record PathSeparatedPrefix(String prefix) implements PathMatch {
    }

    /**
     * {@code path_match_policy} with {@code envoy.path.match.uri_template}: the path (without query)
     * must match the template; case-sensitive whatever {@code case_sensitive} says, as Envoy's.
     */
    public record PathTemplate(io.remora.matching.UriTemplate template) implements PathMatch {
    }

    /** {@code connect_matcher}: CONNECT requests. */
    public record ConnectMatcher() implements PathMatch {
    }
}

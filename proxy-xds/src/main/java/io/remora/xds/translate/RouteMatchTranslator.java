package io.remora.xds.translate;

import io.remora.config.RouteMatch;

/** {@code config.route.v3.RouteMatch}: the path specifier and the request's other conditions. */
final class RouteMatchTranslator {

    private RouteMatchTranslator() {
    }

    static RouteMatch translate(io.envoyproxy.envoy.config.route.v3.RouteMatch m, FieldPath path) {
        RouteMatch.PathMatch pm = switch (m.getPathSpecifierCase()) {
            case PREFIX -> new RouteMatch.Prefix(m.getPrefix());
            case PATH -> new RouteMatch.Path(m.getPath());
            case SAFE_REGEX -> new RouteMatch.SafeRegex(
                    StringMatcherTranslator.regex(m.getSafeRegex(), path.field("safe_regex")));
            case PATH_SEPARATED_PREFIX -> {
                String p = m.getPathSeparatedPrefix();
                if (p.isEmpty() || !p.startsWith("/") || p.endsWith("/")
                        || p.indexOf('?') >= 0 || p.indexOf('#') >= 0) {
                    throw path.field("path_separated_prefix").error("must start with '/' and contain no"
                            + " trailing '/', '?' or '#': \"" + p + "\"");
                }
                yield new RouteMatch.PathSeparatedPrefix(p);
            }
            case CONNECT_MATCHER -> new RouteMatch.ConnectMatcher();
            case PATH_MATCH_POLICY -> new RouteMatch.PathTemplate(
                    UriTemplateTranslator.match(m.getPathMatchPolicy(), path.field("path_match_policy")));
            case PATHSPECIFIER_NOT_SET -> throw path.error(
                    "missing required field: one of prefix, path, safe_regex, path_separated_prefix, connect_matcher,"
                    + " path_match_policy");
        };
        boolean caseSensitive = Protos.bool(m.hasCaseSensitive(), m.getCaseSensitive(), true);
        io.remora.runtime.FractionalPercent fraction = null;
        String runtimeKey = null;
        if (m.hasRuntimeFraction()) {
            fraction = io.remora.extensions.filters.common.FilterProtos.runtimeDefault(m.getRuntimeFraction(),
                    path.field("runtime_fraction"));
            runtimeKey = m.getRuntimeFraction().getRuntimeKey();
        }
        java.util.List<io.remora.config.MetadataMatch> dynamicMetadata = new java.util.ArrayList<>();
        for (int i = 0; i < m.getDynamicMetadataCount(); i++) {
            dynamicMetadata.add(MetadataMatcherTranslator.translate(m.getDynamicMetadata(i),
                    path.field("dynamic_metadata").index(i)));
        }
        RouteMatch.TlsContextMatch tls = !m.hasTlsContext() ? null : new RouteMatch.TlsContextMatch(
                m.getTlsContext().hasPresented() ? m.getTlsContext().getPresented().getValue() : null,
                m.getTlsContext().hasValidated() ? m.getTlsContext().getValidated().getValue() : null);
        java.util.List<io.remora.matching.FilterStateMatch> filterState = new java.util.ArrayList<>();
        for (int i = 0; i < m.getFilterStateCount(); i++) {
            filterState.add(FilterStateMatcherTranslator.translate(m.getFilterState(i),
                    path.field("filter_state").index(i)));
        }
        return new RouteMatch(pm, caseSensitive,
                HeaderTranslator.matchers(m.getHeadersList(), path.field("headers")),
                HeaderTranslator.queryParameters(m.getQueryParametersList(), path.field("query_parameters")),
                m.hasGrpc(), fraction, runtimeKey, dynamicMetadata, tls, filterState);
    }
}

package io.remora.xds.translate;

import io.remora.config.ForwardAction;

/** {@code RouteAction.HashPolicy}: what a consistent-hashing load balancer hashes a request by. */
final class HashPolicyTranslator {

    private HashPolicyTranslator() {
    }

    static io.remora.config.HashPolicy translate(io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy h,
                                                 FieldPath path) {
        boolean terminal = h.getTerminal();
        return switch (h.getPolicySpecifierCase()) {
            case HEADER -> {
                if (h.getHeader().getHeaderName().isEmpty()) {
                    throw path.field("header").field("header_name").error("missing required field");
                }
                ForwardAction.RegexRewrite rewrite = null;
                if (h.getHeader().hasRegexRewrite()) {
                    FieldPath rp = path.field("header").field("regex_rewrite");
                    var r = h.getHeader().getRegexRewrite();
                    rewrite = new ForwardAction.RegexRewrite(StringMatcherTranslator.regex(r.getPattern(),
                            rp.field("pattern")), r.getSubstitution());
                    try {
                        new io.remora.route.RegexRewriter(rewrite.pattern(), rewrite.substitution());
                    } catch (IllegalArgumentException e) {
                        throw rp.field("substitution").error(e.getMessage());
                    }
                }
                yield new io.remora.config.HashPolicy.Header(h.getHeader().getHeaderName().toLowerCase(java.util.Locale.ROOT),
                        rewrite, terminal);
            }
            case COOKIE -> {
                var c = h.getCookie();
                if (c.getName().isEmpty()) {
                    throw path.field("cookie").field("name").error("missing required field");
                }
                yield new io.remora.config.HashPolicy.Cookie(c.getName(), c.hasTtl() ? Protos.duration(c.getTtl()) : null,
                        c.getPath(), terminal);
            }
            case CONNECTION_PROPERTIES -> {
                if (!h.getConnectionProperties().getSourceIp()) {
                    throw path.field("connection_properties").field("source_ip").error("must be true");
                }
                yield new io.remora.config.HashPolicy.SourceIp(terminal);
            }
            case QUERY_PARAMETER -> {
                if (h.getQueryParameter().getName().isEmpty()) {
                    throw path.field("query_parameter").field("name").error("missing required field");
                }
                yield new io.remora.config.HashPolicy.QueryParameter(h.getQueryParameter().getName(), terminal);
            }
            case FILTER_STATE -> new io.remora.config.HashPolicy.FilterState(h.getFilterState().getKey(), terminal);
            default -> throw path.error("a hash policy needs header, cookie, connection_properties, query_parameter"
                    + " or filter_state");
        };
    }
}

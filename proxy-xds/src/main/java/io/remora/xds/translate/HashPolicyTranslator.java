package io.remora.xds.translate;

import io.remora.config.ForwardAction;

/** {@code RouteAction.HashPolicy}: what a consistent-hashing load balancer hashes a request by. */
final class HashPolicyTranslator {

    private HashPolicyTranslator() {
    }

    /** @return null for a policy that hashes nothing ({@code connection_properties} without {@code source_ip}) */
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
                        c.getPath(), terminal, cookieAttributes(c.getAttributesList(),
                        path.field("cookie").field("attributes")));
            }
            case CONNECTION_PROPERTIES -> {
                if (!h.getConnectionProperties().getSourceIp()) {
                    yield null; // Envoy accepts it and hashes nothing for it
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

    /** As Envoy's proto rules: a name is required; neither part may hold CR, LF or NUL. */
    private static java.util.List<io.remora.config.HashPolicy.CookieAttribute> cookieAttributes(
            java.util.List<io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy.CookieAttribute> in,
            FieldPath path) {
        java.util.List<io.remora.config.HashPolicy.CookieAttribute> out = new java.util.ArrayList<>(in.size());
        for (int i = 0; i < in.size(); i++) {
            var a = in.get(i);
            FieldPath ap = path.index(i);
            if (a.getName().isEmpty()) {
                throw ap.field("name").error("missing required field");
            }
            if (!headerSafe(a.getName())) {
                throw ap.field("name").error("must not contain CR, LF or NUL");
            }
            if (!headerSafe(a.getValue())) {
                throw ap.field("value").error("must not contain CR, LF or NUL");
            }
            out.add(new io.remora.config.HashPolicy.CookieAttribute(a.getName(), a.getValue()));
        }
        return java.util.List.copyOf(out);
    }

    private static boolean headerSafe(String s) {
        return s.indexOf('\r') < 0 && s.indexOf('\n') < 0 && s.indexOf('\0') < 0;
    }
}

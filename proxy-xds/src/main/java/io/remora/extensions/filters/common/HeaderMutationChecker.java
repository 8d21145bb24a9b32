package io.remora.extensions.filters.common;

import com.google.re2j.Pattern;
import io.envoyproxy.envoy.config.common.mutation_rules.v3.HeaderMutationRules;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.StringMatcherTranslator;

/**
 * Envoy's header mutation rules ({@code envoy.config.common.mutation_rules.v3.HeaderMutationRules})
 * for what an external processor or authorization service may change; the default (no rules) keeps it away from routing
 * headers ({@code :authority}, {@code host}, {@code :method}, {@code :scheme}) and {@code x-envoy-*}.
 *
 * @param allowExpression    null: none
 * @param disallowExpression null: none
 */
public record HeaderMutationChecker(boolean allowAllRouting, boolean allowEnvoy, boolean disallowSystem,
                             boolean disallowAll, Pattern allowExpression, Pattern disallowExpression,
                             boolean disallowIsError) {

    public static final HeaderMutationChecker DEFAULT =
            new HeaderMutationChecker(false, false, false, false, null, null, false);

    public enum Operation { SET, APPEND, REMOVE }

    public enum Result { OK, IGNORE, FAIL }

    /** {@code HeaderMutationRules}, with its regexes compiled. */
    public static HeaderMutationChecker translate(HeaderMutationRules r, FieldPath path) {
        return new HeaderMutationChecker(r.getAllowAllRouting().getValue(), r.getAllowEnvoy().getValue(),
                r.getDisallowSystem().getValue(), r.getDisallowAll().getValue(),
                r.hasAllowExpression() ? StringMatcherTranslator.regex(r.getAllowExpression(),
                        path.field("allow_expression")) : null,
                r.hasDisallowExpression() ? StringMatcherTranslator.regex(r.getDisallowExpression(),
                        path.field("disallow_expression")) : null,
                r.getDisallowIsError().getValue());
    }

    public Result check(Operation op, String name, String value) {
        if (allowed(op, name) && (op == Operation.REMOVE || validValue(name, value))) {
            return Result.OK;
        }
        return disallowIsError ? Result.FAIL : Result.IGNORE;
    }

    private boolean allowed(Operation op, String name) {
        if (op == Operation.REMOVE && (name.startsWith(":") || name.equals("host"))) {
            return false;
        }
        if (disallowExpression != null && disallowExpression.matcher(name).matches()) {
            return false;
        }
        if (allowExpression != null && allowExpression.matcher(name).matches()) {
            return true;
        }
        if (disallowAll) {
            return false;
        }
        if (!allowAllRouting && (name.equals("host") || name.equals(":authority") || name.equals(":method")
                || name.equals(":scheme"))) {
            return false;
        }
        if (name.startsWith(":") && (op == Operation.APPEND || disallowSystem)) {
            return false;
        }
        return allowEnvoy || !name.startsWith("x-envoy");
    }

    /** RFC 7230 token characters (and the leading ':' of pseudo-headers). */
    public static boolean validName(String n) {
        if (n.isEmpty()) {
            return false;
        }
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            boolean token = c > 32 && c < 127 && "\"(),/;<=>?@[\\]{}".indexOf(c) < 0 && (c != ':' || i == 0);
            if (!token) {
                return false;
            }
        }
        return true;
    }

    /** A header value a codec can write: no NUL, CR or LF, and one byte per character. */
    public static boolean validValueChars(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0 || c > 0xff) {
                return false;
            }
        }
        return true;
    }

    private static boolean validValue(String name, String value) {
        if (!validValueChars(value)) {
            return false;
        }
        return switch (name) {
            case "host", ":authority" -> !value.isEmpty() && value.indexOf(' ') < 0 && value.indexOf('/') < 0;
            case ":scheme" -> value.equals("http") || value.equals("https");
            case ":status" -> validStatus(value);
            default -> true;
        };
    }

    private static boolean validStatus(String v) {
        try {
            return Integer.parseInt(v) >= 200;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}

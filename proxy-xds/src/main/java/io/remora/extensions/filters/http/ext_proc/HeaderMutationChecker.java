package io.remora.extensions.filters.http.ext_proc;

import com.google.re2j.Pattern;

/**
 * Envoy's header mutation rules ({@code envoy.config.common.mutation_rules.v3.HeaderMutationRules})
 * for what an external processor may change; the default (no rules) keeps it away from routing
 * headers ({@code :authority}, {@code host}, {@code :method}, {@code :scheme}) and {@code x-envoy-*}.
 *
 * @param allowExpression    null: none
 * @param disallowExpression null: none
 */
record HeaderMutationChecker(boolean allowAllRouting, boolean allowEnvoy, boolean disallowSystem,
                             boolean disallowAll, Pattern allowExpression, Pattern disallowExpression,
                             boolean disallowIsError) {

    static final HeaderMutationChecker DEFAULT =
            new HeaderMutationChecker(false, false, false, false, null, null, false);

    enum Operation { SET, APPEND, REMOVE }

    enum Result { OK, IGNORE, FAIL }

    Result check(Operation op, String name, String value) {
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

    private static boolean validValue(String name, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0 || c > 0xff) {
                return false;
            }
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

package io.remora.accesslog;

import io.remora.config.MetadataSource;
import java.util.List;
import java.util.function.Function;

/**
 * Envoy's metadata command operators: {@code %DYNAMIC_METADATA(NS:KEY*)%},
 * {@code %UPSTREAM_METADATA(NS:KEY*)%}, {@code %CLUSTER_METADATA(NS:KEY*)%} and
 * {@code %METADATA(TYPE:NS:KEY*)%} with TYPE one of Envoy's DYNAMIC, CLUSTER, ROUTE,
 * UPSTREAM_HOST, LISTENER, VIRTUAL_HOST. A namespace alone logs as JSON, a key path its value
 * (strings bare, structures as JSON); a missing namespace or key logs "-". In a JSON format the
 * value keeps its type, as Envoy renders it: a number, a boolean, a nested object or list, with no
 * length limit.
 */
final class MetadataOperators {

    private MetadataOperators() {
    }

    /** {@code %METADATA(TYPE:NS:KEY*)%}: the TYPE picks the source; an unknown TYPE is a config error. */
    static FormatOps.Op op(MetadataSource source, String arg, int maxLen) {
        return typed(of(source, arg), maxLen);
    }

    static FormatOps.Op metadataOp(String arg, int maxLen) {
        return typed(metadata(arg), maxLen);
    }

    private static Function<StreamInfo, Object> metadata(String arg) {
        int colon = arg.indexOf(':');
        String type = colon < 0 ? arg : arg.substring(0, colon);
        MetadataSource source;
        try {
            source = MetadataSource.valueOf(type);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("access log format: %METADATA(" + arg + ")%: unknown metadata type '"
                    + type + "' (expected DYNAMIC, CLUSTER, ROUTE, UPSTREAM_HOST, LISTENER or VIRTUAL_HOST)");
        }
        if (colon < 0 || colon == arg.length() - 1) {
            throw new IllegalArgumentException("access log format: %METADATA(" + arg + ")% needs a namespace, "
                    + "e.g. %METADATA(" + type + ":envoy.lb)%");
        }
        return of(source, arg.substring(colon + 1));
    }

    /** The value at {@code NS:KEY*} of one source, as the metadata holds it; null when missing. */
    private static Function<StreamInfo, Object> of(MetadataSource source, String arg) {
        String[] parts = arg.split(":");
        String ns = parts[0];
        List<String> path = List.of(parts).subList(1, parts.length);
        return i -> i.metadata(source, ns, path);
    }

    /** Envoy ignores the length for a typed JSON value: only the text is capped. */
    private static FormatOps.Op typed(Function<StreamInfo, Object> value, int maxLen) {
        return FormatOps.typed(i -> {
            Object v = value.apply(i);
            return v == null ? null : v instanceof String s ? s : io.remora.admin.Json.write(v);
        }, value, maxLen, -1);
    }
}

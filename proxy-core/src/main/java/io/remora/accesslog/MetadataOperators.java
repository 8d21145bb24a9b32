package io.remora.accesslog;

import io.remora.config.MetadataSource;
import java.util.List;
import java.util.function.Function;

/**
 * Envoy's metadata command operators: {@code %DYNAMIC_METADATA(NS:KEY*)%},
 * {@code %UPSTREAM_METADATA(NS:KEY*)%}, {@code %CLUSTER_METADATA(NS:KEY*)%} and
 * {@code %METADATA(TYPE:NS:KEY*)%} with TYPE one of Envoy's DYNAMIC, CLUSTER, ROUTE,
 * UPSTREAM_HOST, LISTENER, VIRTUAL_HOST. A namespace alone logs as JSON, a key path its value
 * (strings bare, structures as JSON); a missing namespace or key logs "-".
 */
final class MetadataOperators {

    private MetadataOperators() {
    }

    /** {@code %METADATA(TYPE:NS:KEY*)%}: the TYPE picks the source; an unknown TYPE is a config error. */
    static Function<StreamInfo, String> metadata(String arg) {
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

    /** The operator reading {@code NS:KEY*} of one source. */
    static Function<StreamInfo, String> of(MetadataSource source, String arg) {
        String[] parts = arg.split(":");
        String ns = parts[0];
        List<String> path = List.of(parts).subList(1, parts.length);
        return i -> {
            Object v = i.metadata(source, ns, path);
            return v == null ? null : v instanceof String s ? s : io.remora.admin.Json.write(v);
        };
    }
}

package io.remora.accesslog;

import java.util.Map;
import java.util.function.Function;

/**
 * Envoy's metadata command operators: {@code %DYNAMIC_METADATA(NS:KEY*)%},
 * {@code %UPSTREAM_METADATA(NS:KEY*)%}, {@code %CLUSTER_METADATA(NS:KEY*)%} and
 * {@code %METADATA(TYPE:NS:KEY*)%} with TYPE one of Envoy's DYNAMIC, CLUSTER, ROUTE,
 * UPSTREAM_HOST, LISTENER, VIRTUAL_HOST. A namespace alone logs as JSON, a key path its value
 * (strings bare, structures as JSON); a missing namespace or key logs "-".
 */
final class MetadataOperators {

    /** Which metadata an operator reads. */
    enum Source { DYNAMIC, UPSTREAM_HOST, CLUSTER, ROUTE, LISTENER, VIRTUAL_HOST }

    private MetadataOperators() {
    }

    /** {@code %METADATA(TYPE:NS:KEY*)%}: the TYPE picks the source; an unknown TYPE is a config error. */
    static Function<StreamInfo, String> metadata(String arg) {
        int colon = arg.indexOf(':');
        String type = colon < 0 ? arg : arg.substring(0, colon);
        Source source;
        try {
            source = Source.valueOf(type);
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
    static Function<StreamInfo, String> of(Source source, String arg) {
        String[] path = arg.split(":");
        return i -> value(namespace(source, i, path[0]), path);
    }

    private static Map<String, Object> namespace(Source source, StreamInfo i, String ns) {
        return switch (source) {
            case DYNAMIC -> i.dynamicMetadata(ns);
            case UPSTREAM_HOST -> i.upstreamHostMetadata == null ? Map.of() : i.upstreamHostMetadata.apply(ns);
            case CLUSTER -> {
                Map<String, Object> m = i.upstreamClusterMetadata == null ? null : i.upstreamClusterMetadata.get(ns);
                yield m == null ? Map.of() : m;
            }
            // Remora's model keeps no route, listener or virtual host metadata (yet).
            case ROUTE, LISTENER, VIRTUAL_HOST -> Map.of();
        };
    }

    private static String value(Map<String, Object> ns, String[] path) {
        if (ns == null || ns.isEmpty()) {
            return null;
        }
        Object v = ns;
        for (int k = 1; k < path.length; k++) {
            if (!(v instanceof Map<?, ?> m) || (v = m.get(path[k])) == null) {
                return null;
            }
        }
        return v instanceof String s ? s : io.remora.admin.Json.write(v);
    }
}

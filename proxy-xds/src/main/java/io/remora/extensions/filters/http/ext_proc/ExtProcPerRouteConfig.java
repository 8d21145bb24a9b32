package io.remora.extensions.filters.http.ext_proc;

import io.remora.config.RouteFilterConfig;
import io.remora.extensions.filters.http.ext_authz.GrpcServiceConfig;

import java.util.List;
import java.util.Map;

/**
 * {@code ExtProcPerRoute}: {@code disabled}, or {@code overrides}. Levels merge as Envoy's
 * (least specific first, a set field of a more specific level wins; initial metadata merged by key).
 *
 * @param mode                 null: the filter's
 * @param service              null: the filter's
 * @param forwardingNamespaces null: the filter's
 * @param receivingNamespaces  null: the filter's
 */
record ExtProcPerRouteConfig(boolean disabled, ExtProcMode mode, GrpcServiceConfig service,
                             List<Map.Entry<String, String>> initialMetadata, List<String> forwardingNamespaces,
                             List<String> receivingNamespaces) implements RouteFilterConfig {

    ExtProcPerRouteConfig {
        initialMetadata = List.copyOf(initialMetadata);
    }

    /** {@code overrides} on top of {@code base}: a key already there gets the new value (Envoy's mergeHeaderValuesField). */
    static List<Map.Entry<String, String>> mergeMetadata(List<Map.Entry<String, String>> base,
                                                         List<Map.Entry<String, String>> overrides) {
        List<Map.Entry<String, String>> out = new java.util.ArrayList<>(base);
        for (Map.Entry<String, String> o : overrides) {
            boolean replaced = false;
            for (int i = 0; i < out.size(); i++) {
                if (out.get(i).getKey().equals(o.getKey())) {
                    out.set(i, o);
                    replaced = true;
                }
            }
            if (!replaced) {
                out.add(o);
            }
        }
        return out;
    }

    /** {@code this} (less specific) overridden by {@code more}. */
    ExtProcPerRouteConfig merge(ExtProcPerRouteConfig more) {
        return new ExtProcPerRouteConfig(more.disabled,
                more.mode != null ? more.mode : mode,
                more.service != null ? more.service : service, mergeMetadata(initialMetadata, more.initialMetadata),
                more.forwardingNamespaces != null ? more.forwardingNamespaces : forwardingNamespaces,
                more.receivingNamespaces != null ? more.receivingNamespaces : receivingNamespaces);
    }
}

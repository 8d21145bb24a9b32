package io.remora.extensions.filters.http.ext_proc;

import io.remora.config.RouteFilterConfig;
import io.remora.extensions.filters.http.ext_authz.GrpcServiceConfig;

import java.util.List;
import java.util.Map;

/**
 * {@code ExtProcPerRoute}: {@code disabled}, or {@code overrides}. Levels merge as Envoy's
 * (least specific first, a set field of a more specific level wins; initial metadata adds up).
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

    /** {@code this} (less specific) overridden by {@code more}. */
    ExtProcPerRouteConfig merge(ExtProcPerRouteConfig more) {
        List<Map.Entry<String, String>> md = new java.util.ArrayList<>(initialMetadata);
        md.addAll(more.initialMetadata);
        return new ExtProcPerRouteConfig(more.disabled,
                more.mode != null ? more.mode : mode,
                more.service != null ? more.service : service, md,
                more.forwardingNamespaces != null ? more.forwardingNamespaces : forwardingNamespaces,
                more.receivingNamespaces != null ? more.receivingNamespaces : receivingNamespaces);
    }
}

package io.remora.xds.translate;

/**
 * The bootstrap most translation tests start from: one listener (l0 on 127.0.0.1:10000) whose
 * connection manager (stat_prefix p) runs the given HTTP filters, then the router. Arguments are
 * unindented YAML; the text ends inside {@code route_config.virtual_hosts}, so clusters are
 * appended at the {@code static_resources} level ({@link #CLUSTER_C1}, {@link #clusters}). Tests
 * that edit the result with {@code replace} rely on its exact indentation: HCM fields at column
 * 10, filter bodies at 14, virtual-host fields at 14, route fields at 16.
 */
public final class HcmListenerYaml {
    /** The clusters list with one cluster, c1, whose one endpoint is 127.0.0.1:1. */
    public static final String CLUSTER_C1 = clusters("c1");

    private HcmListenerYaml() {
    }

    /**
     * {@code hcmFields}: HttpConnectionManager fields (may be empty); {@code routeAction}: the
     * action of the one catch-all route of virtual host v, e.g. {@code route: { cluster: c }}.
     */
    public static String listener(String hcmFields, String routeAction) {
        return listener(hcmFields, "",
                "- { name: v, domains: [\"*\"], routes: [{ match: { prefix: \"/\" }, " + routeAction + " }] }");
    }

    /**
     * {@code httpFilters}: list items placed before the router ({@link #filter}, may be empty);
     * {@code virtualHosts}: the items of {@code route_config.virtual_hosts} (may be empty).
     */
    public static String listener(String hcmFields, String httpFilters, String virtualHosts) {
        return networkListener(connectionManager(hcmFields, httpFilters, virtualHosts));
    }

    /** Listener l0 whose one filter chain has these network filters ({@link #filter} items). */
    public static String networkListener(String networkFilters) {
        return """
                static_resources:
                  listeners:
                  - name: l0
                    address: { socket_address: { address: 127.0.0.1, port_value: 10000 } }
                    filter_chains:
                    - filters:
                """ + networkFilters.indent(6);
    }

    /** The http_connection_manager network filter item of {@link #listener(String, String, String)}. */
    public static String connectionManager(String hcmFields, String httpFilters, String virtualHosts) {
        return filter("envoy.filters.network.http_connection_manager",
                "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                "stat_prefix: p\n" + hcmFields.indent(0) + "http_filters:\n" + httpFilters.indent(0) + """
                        - name: envoy.filters.http.router
                          typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                        route_config:
                          virtual_hosts:
                        """ + virtualHosts.indent(2));
    }

    /** A network or HTTP filter list item: its name, its typed_config's type URL and fields. */
    public static String filter(String name, String typeUrl, String body) {
        return "- name: " + name + "\n  typed_config:\n    \"@type\": " + typeUrl + "\n" + body.indent(4);
    }

    /**
     * Virtual host v for every domain, with these fields (may be empty) and one route on prefix
     * "/" whose fields beside {@code match} are {@code routeFields}.
     */
    public static String catchAllHost(String vhostFields, String routeFields) {
        return "- name: v\n  domains: [\"*\"]\n" + vhostFields.indent(2)
                + "  routes:\n  - match: { prefix: \"/\" }\n" + routeFields.indent(4);
    }

    /** The clusters list with one cluster of this name whose one endpoint is 127.0.0.1:1. */
    public static String clusters(String name) {
        return """
                  clusters:
                  - name: NAME
                    load_assignment:
                      cluster_name: NAME
                      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 1 } } } }] }]
                """.replace("NAME", name);
    }
}

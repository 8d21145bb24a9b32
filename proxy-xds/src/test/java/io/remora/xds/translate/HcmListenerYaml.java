package io.remora.xds.translate;

/**
 * The bootstrap most translation tests start from: one listener whose connection manager has the
 * router alone and one catch-all route, with the fields under test added to the connection manager.
 */
final class HcmListenerYaml {
    private HcmListenerYaml() {
    }

    /**
     * {@code hcmFields}: YAML lines of HttpConnectionManager fields, unindented (may be empty);
     * {@code routeAction}: the catch-all route's action, e.g. {@code route: { cluster: c }}.
     * Clusters may be appended at the {@code static_resources} level ({@code "  clusters:\n..."}).
     */
    static String listener(String hcmFields, String routeAction) {
        return """
                static_resources:
                  listeners:
                  - name: l0
                    address: { socket_address: { address: 127.0.0.1, port_value: 10000 } }
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: p
                """ + hcmFields.indent(10) + """
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                          route_config:
                            virtual_hosts:
                            - { name: v, domains: ["*"], routes: [{ match: { prefix: "/" }, ROUTE }] }
                """.replace("ROUTE", routeAction);
    }
}

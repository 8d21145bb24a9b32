package io.remora.e2e;

import java.util.Map;

/** Bootstrap YAML for end-to-end tests, written as a user would write it for Envoy. */
final class Bootstraps {

    private Bootstraps() {
    }

    /**
     * An admin on adminPort, an HTTP listener on listenerPort whose virtual host "*" has the given
     * routes (YAML list items indented for {@code routes:}), a file access log at accessLogPath,
     * and the given clusters (YAML list items indented for {@code clusters:}).
     */
    static String http(int adminPort, int listenerPort, String accessLogPath, String routes, String clusters) {
        return http(adminPort, listenerPort, accessLogPath, routes, clusters, "", "");
    }

    /**
     * As {@link #http(int, int, String, String, String)}, with network filters before the
     * connection manager and HTTP filters before the router (YAML list items, unindented; empty
     * for none).
     */
    static String http(int adminPort, int listenerPort, String accessLogPath, String routes, String clusters,
                       String networkFilters, String httpFilters) {
        return """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                static_resources:
                  listeners:
                  - name: http
                    address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                    filter_chains:
                    - filters:
                %s
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: ingress
                          access_log:
                          - name: envoy.access_loggers.file
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                              path: %s
                          route_config:
                            name: local
                            virtual_hosts:
                            - name: all
                              domains: ["*"]
                              routes:
                %s
                          http_filters:
                %s
                          - name: envoy.filters.http.router
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                  clusters:
                %s
                """.formatted(adminPort, listenerPort, indent(networkFilters, 6), accessLogPath, indent(routes, 14),
                indent(httpFilters, 10), indent(clusters, 2));
    }

    /**
     * A bootstrap template for {@link E2EStack#render}: the admin on {@code ${ADMIN}}, one listener
     * on {@code ${PORT}} as {@link #httpListenerWithFilters} makes it with stat prefix ingress (its
     * connection manager's other {@code hcmFields}, {@code httpFilters} before the router and the
     * catch-all virtual host's {@code routes}, each YAML, unindented), and {@code ${CLUSTERS}} (list
     * items indented for {@code clusters:}, as {@code indent(cluster(...), 2)} gives). Other
     * top-level fields may be appended.
     */
    static String ingress(String hcmFields, String httpFilters, String routes) {
        String listener = httpListenerWithFilters("ingress", "", hcmFields, httpFilters, catchAll(routes))
                .replace("${ingress}", "${PORT}");
        return """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: ${ADMIN} } }
                static_resources:
                  listeners:
                %s
                  clusters:
                ${CLUSTERS}
                """.formatted(indent(listener, 2));
    }

    /**
     * {@link #http}'s bootstrap with its file access log (at {@code accessLogPath}) written as
     * {@code format}, one line per request (a text format; double quotes must be escaped for YAML).
     */
    static String logFormat(String yaml, Object accessLogPath, String format) {
        return yaml.replace("path: " + accessLogPath, "path: " + accessLogPath + "\n"
                + "              log_format: { text_format_source: { inline_string: \"" + format + "\\n\" } }");
    }

    /**
     * {@link #ingress}'s connection manager fields for a file access log at {@code ${LOG}}, one line
     * per request: path, response code and response code details.
     */
    static final String DETAILS_ACCESS_LOG = """
            access_log:
            - name: envoy.access_loggers.file
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                path: ${LOG}
                log_format: { text_format_source: { inline_string: "%REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_CODE_DETAILS%\\n" } }
            """;

    /**
     * A STATIC cluster over 127.0.0.1 ports whose endpoints carry a {@code hostname} (what the
     * host-name access log operators print): {@code portsAndNames} alternates port and hostname.
     */
    static String namedCluster(String name, Object... portsAndNames) {
        StringBuilder eps = new StringBuilder();
        for (int k = 0; k < portsAndNames.length; k += 2) {
            eps.append("      - endpoint:\n          address: { socket_address: { address: 127.0.0.1, port_value: ")
                    .append(portsAndNames[k]).append(" } }\n          hostname: ").append(portsAndNames[k + 1])
                    .append('\n');
        }
        return """
                - name: %s
                  type: STATIC
                  connect_timeout: 1s
                  load_assignment:
                    cluster_name: %s
                    endpoints:
                    - lb_endpoints:
                %s""".formatted(name, name, eps);
    }

    /** A STATIC cluster over 127.0.0.1 ports; http2 when the upstream speaks HTTP/2 (gRPC). */
    static String cluster(String name, boolean http2, String extra, int... ports) {
        StringBuilder eps = new StringBuilder();
        for (int p : ports) {
            eps.append("      - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ")
                    .append(p).append(" } } }\n");
        }
        String protocol = !http2 ? "" : """
                  typed_extension_protocol_options:
                    envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                      "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                      explicit_http_config: { http2_protocol_options: {} }
                """;
        return """
                - name: %s
                  type: STATIC
                  connect_timeout: 1s
                %s%s  load_assignment:
                    cluster_name: %s
                    endpoints:
                    - lb_endpoints:
                %s""".formatted(name, protocol, extra == null ? "" : extra, name, eps);
    }

    /**
     * A cluster's {@code health_checks} (for {@link #cluster}'s {@code extra}): one checker every
     * 0.2 s, traffic or not, a single result deciding; {@code checker} is its checker field (YAML, unindented).
     */
    static String fastHealthCheck(String checker) {
        return """
                  health_checks:
                  - timeout: 1s
                    interval: 0.2s
                    no_traffic_interval: 0.2s
                    unhealthy_threshold: 1
                    healthy_threshold: 1
                """ + indent(checker, 4) + "\n";
    }

    /** As {@link #cluster(String, boolean, String, int...)}, one endpoint with this {@code metadata} (YAML flow). */
    static String cluster(String name, String extra, int port, String endpointMetadata) {
        return cluster(name, false, extra, port) + "        metadata: " + endpointMetadata + "\n";
    }

    /**
     * A bootstrap of several listeners: the admin on {@code adminPort}, then these listeners and
     * clusters (YAML list items, unindented), with each {@code ${NAME}} replaced from {@code ports}
     * (a test's listener ports by name).
     */
    static String listeners(int adminPort, String listeners, String clusters, Map<String, Integer> ports) {
        String yaml = """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                static_resources:
                  listeners:
                %s
                  clusters:
                %s
                """.formatted(adminPort, indent(listeners, 2), indent(clusters, 2));
        return ProxyProcess.render(yaml, ports);
    }

    /**
     * A bootstrap of one listener "http" on {@code port} whose connection manager has
     * {@code hcmFields} (a tracer, say): {@code /fail} goes to cluster "down" (a closed port, so
     * 503), the rest to cluster "up" on {@code upPort}; {@code moreClusters} (YAML list items) beside them.
     */
    static String upAndDown(int adminPort, int port, String hcmFields, int upPort, String moreClusters) {
        String http = httpListener("http", "", hcmFields, """
                - match: { prefix: "/fail" }
                  route: { cluster: down }
                - match: { prefix: "/" }
                  route: { cluster: up }
                """);
        String clusters = cluster("up", false, null, upPort) + "\n"
                + cluster("down", false, null, ProxyProcess.freePort()) + "\n" + moreClusters;
        return listeners(adminPort, http, clusters, Map.of("http", port));
    }

    /**
     * A listener list item for {@link #listeners}: 127.0.0.1 on port {@code ${NAME}}, one filter
     * chain ({@code chainFields}, e.g. its transport_socket, beside its filters) whose connection
     * manager has stat prefix NAME, {@code hcmFields}, the router, and one catch-all virtual host
     * with {@code routes} (each block YAML, unindented; empty for none).
     */
    static String httpListener(String name, String chainFields, String hcmFields, String routes) {
        return httpListenerWithHosts(name, chainFields, hcmFields, catchAll(routes));
    }

    /** Routes for {@link #httpListener}: {@code prefix} to the {@code route} action (its fields), any other path a direct 200 "ok". */
    static String routeElseOk(String prefix, String route) {
        return """
                - match: { prefix: "PREFIX" }
                  route: { ROUTE }
                - match: { prefix: "/" }
                  direct_response: { status: 200, body: { inline_string: "ok" } }
                """.replace("PREFIX", prefix).replace("ROUTE", route);
    }

    /** One virtual host for every domain with these routes (YAML, unindented). */
    static String catchAll(String routes) {
        return "- name: all\n  domains: [\"*\"]\n  routes:\n" + indent(routes, 2);
    }

    /** As {@link #httpListener}, with {@code httpFilters} (a YAML list, unindented) before the router. */
    static String httpListenerWithFilters(String name, String httpFilters, String routes) {
        return httpListenerWithFilters(name, "", "", httpFilters, catchAll(routes));
    }

    /** As {@link #httpListener}, with the route configuration's {@code virtualHosts} given whole. */
    static String httpListenerWithHosts(String name, String chainFields, String hcmFields, String virtualHosts) {
        return httpListenerWithFilters(name, chainFields, hcmFields, "", virtualHosts);
    }

    /** As {@link #httpListenerWithHosts}, with {@code httpFilters} (list items, unindented) before the router. */
    static String httpListenerWithFilters(String name, String chainFields, String hcmFields, String httpFilters,
                                          String virtualHosts) {
        return """
                - name: NAME
                  address: { socket_address: { address: 127.0.0.1, port_value: ${NAME} } }
                  filter_chains:
                  - filters:
                    - name: envoy.filters.network.http_connection_manager
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                        stat_prefix: NAME
                HCM
                        http_filters:
                FILTERS
                        - name: envoy.filters.http.router
                          typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                        route_config:
                          virtual_hosts:
                HOSTS
                CHAIN
                """.replace("NAME", name).replace("HCM\n", hcmFields.isBlank() ? "" : indent(hcmFields, 8) + "\n")
                .replace("FILTERS\n", httpFilters.isBlank() ? "" : indent(httpFilters, 8) + "\n")
                .replace("HOSTS\n", indent(virtualHosts, 10) + "\n")
                .replace("CHAIN\n", chainFields.isBlank() ? "" : indent(chainFields, 4) + "\n");
    }

    /** A listener list item for {@link #listeners}: 127.0.0.1 on port {@code ${NAME}}, tcp_proxy to {@code cluster}. */
    static String tcpListener(String name, String cluster) {
        return tcpListener(name, cluster, "");
    }

    /** As {@link #tcpListener(String, String)}, with more tcp_proxy fields (YAML, unindented). */
    static String tcpListener(String name, String cluster, String proxyFields) {
        return tcpListener(name, "", "", cluster, proxyFields);
    }

    /**
     * As {@link #tcpListener(String, String, String)}, with {@code listenerFilters} and network
     * {@code filters} before tcp_proxy (list items, unindented; blank for none); a null
     * {@code cluster} leaves the cluster to {@code proxyFields} (weighted_clusters, say).
     */
    static String tcpListener(String name, String listenerFilters, String filters, String cluster,
                              String proxyFields) {
        return """
                - name: NAME
                  address: { socket_address: { address: 127.0.0.1, port_value: ${NAME} } }
                LISTENER_FILTERS
                  filter_chains:
                  - filters:
                FILTERS
                    - name: envoy.filters.network.tcp_proxy
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                        stat_prefix: NAME
                        cluster: CLUSTER
                FIELDS
                """.replace("NAME", name)
                .replace(cluster == null ? "        cluster: CLUSTER\n" : "CLUSTER", cluster == null ? "" : cluster)
                .replace("LISTENER_FILTERS\n", listenerFilters.isBlank() ? ""
                        : "  listener_filters:\n" + indent(listenerFilters, 2) + "\n")
                .replace("FILTERS\n", filters.isBlank() ? "" : indent(filters, 4) + "\n")
                .replace("FIELDS\n", proxyFields.isBlank() ? "" : indent(proxyFields, 8) + "\n");
    }

    /** A listener filter list item: tls_inspector, for SNI. */
    static final String TLS_INSPECTOR = """
            - name: envoy.filters.listener.tls_inspector
              typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector }
            """;

    /**
     * A set_filter_state filter (list item, unindented) of this kind ({@code http} or
     * {@code network}), its {@code field} ({@code on_request_headers}, {@code on_new_connection})
     * holding {@code values} (FilterStateValue list items, unindented).
     */
    static String setFilterState(String kind, String field, String values) {
        return """
                - name: envoy.filters.%1$s.set_filter_state
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.%1$s.set_filter_state.v3.Config
                    %2$s:
                """.formatted(kind, field) + indent(values, 4);
    }

    /** An {@code access_log} field (YAML, unindented): a file at {@code path} with one line of {@code format} each. */
    static String fileAccessLog(Object path, String format) {
        return """
                access_log:
                - name: envoy.access_loggers.file
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                    path: %s
                    log_format: { text_format_source: { inline_string: "%s\\n" } }
                """.formatted(path, format);
    }

    /**
     * A filter chain's {@code transport_socket} (YAML, unindented): TLS with the certificate and key
     * {@code TestCerts.Leaf.write(dir, prefix)} wrote.
     */
    static String downstreamTls(Object dir, String prefix) {
        return """
                transport_socket:
                  name: envoy.transport_sockets.tls
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                    common_tls_context:
                      tls_certificates:
                      - certificate_chain: { filename: "%1$s/%2$s-cert.pem" }
                        private_key: { filename: "%1$s/%2$s-key.pem" }
                """.formatted(dir, prefix);
    }

    /**
     * {@link #downstreamTls} for {@code server-cert.pem} / {@code server-key.pem} that also requires a
     * client certificate signed by {@code ca.pem}, all in {@code dir}.
     */
    static String downstreamMtls(Object dir) {
        return downstreamTls(dir, "server").replace("    common_tls_context:\n", "    require_client_certificate: true\n"
                + "    common_tls_context:\n") + """
                      validation_context:
                        trusted_ca: { filename: "%s/ca.pem" }
                """.formatted(dir);
    }

    static String indent(String block, int spaces) {
        String pad = " ".repeat(spaces);
        StringBuilder sb = new StringBuilder();
        for (String line : block.stripTrailing().split("\n")) {
            sb.append(line.isBlank() ? "" : pad + line).append('\n');
        }
        return sb.toString().stripTrailing();
    }

    /** The bootstrap extension that lets listeners be internal (envoy_internal_address), at the top of a bootstrap. */
    static final String INTERNAL_LISTENER_EXTENSION = """
            bootstrap_extensions:
            - name: envoy.bootstrap.internal_listener
              typed_config:
                "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                type_url: type.googleapis.com/envoy.extensions.bootstrap.internal_listener.v3.InternalListener
            """;

    /** A cluster of one endpoint, internal listener {@code listener}, over a raw internal_upstream socket. */
    static String internalCluster(String name, String listener) {
        return internalCluster(name, listener, "", "", "", "");
    }

    /**
     * As {@link #internalCluster(String, String)}, with the endpoint's {@code endpointId}, the
     * internal_upstream socket's {@code passthrough_metadata} items, the cluster's other fields and
     * the endpoint's {@code metadata} value (YAML, unindented), each empty for none.
     */
    static String internalCluster(String name, String listener, String endpointId, String passthroughMetadata,
                                  String clusterFields, String endpointMetadata) {
        return """
                  - name: %1$s
                    connect_timeout: 1s
                %3$s    transport_socket:
                      name: internal_upstream
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.transport_sockets.internal_upstream.v3.InternalUpstreamTransport
                %4$s        transport_socket:
                          name: raw_buffer
                          typed_config: { "@type": type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer }
                    load_assignment:
                      cluster_name: %1$s
                      endpoints:
                      - lb_endpoints:
                        - endpoint: { address: { envoy_internal_address: { server_listener_name: %2$s%5$s } } }
                %6$s""".formatted(name, listener, lines(clusterFields, 4),
                passthroughMetadata.isEmpty() ? "" : lines("passthrough_metadata:\n" + passthroughMetadata, 8),
                endpointId.isEmpty() ? "" : ", endpoint_id: \"" + endpointId + "\"",
                endpointMetadata.isEmpty() ? "" : lines("metadata: " + endpointMetadata, 10));
    }

    /** {@code block} indented by {@code spaces}, ending in a newline; empty for an empty block. */
    private static String lines(String block, int spaces) {
        return block.isBlank() ? "" : indent(block, spaces) + "\n";
    }
}

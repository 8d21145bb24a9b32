package io.remora.e2e.xds;

import io.remora.server.ServerOptions;
import io.remora.server.Transport;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.bootstrap.LoadedBootstrap;
import io.remora.xds.runtime.Proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/** An in-process Remora started from a bootstrap whose dynamic resources come from an ADS server, and an HTTP client. */
final class XdsProxy implements AutoCloseable {
    final Proxy proxy;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private XdsProxy(Proxy proxy) {
        this.proxy = proxy;
    }

    static int freePort() throws IOException {
        return io.remora.e2e.ProxyProcess.freePort();
    }

    /** ADS over TCP at 127.0.0.1:port, state of the world or delta. */
    static String adsBootstrap(int adsPort, boolean delta) {
        return adsBootstrap("{ socket_address: { address: 127.0.0.1, port_value: " + adsPort + " } }", delta);
    }

    /** Delta ADS over TCP with LDS but no cds_config: clusters come only when on-demand CDS asks for them. */
    static String onDemandClustersBootstrap(int adsPort) {
        String bootstrap = adsBootstrap(adsPort, true).replace("  cds_config: { ads: {}, resource_api_version: V3 }\n", "");
        if (bootstrap.contains("cds_config")) {
            throw new AssertionError("the ADS bootstrap's cds_config was not removed: " + bootstrap);
        }
        return bootstrap;
    }

    /** ADS over a Unix socket, as Istio's bootstrap points xds-grpc at ./etc/istio/proxy/XDS. */
    static String udsBootstrap(String path) {
        return adsBootstrap("{ pipe: { path: \"" + path + "\" } }", true);
    }

    /**
     * Istio's shape: delta ADS from xds-grpc and, for the secrets listeners and clusters name with an
     * api_config_source, a separate SDS stream to sds-grpc, each a static cluster on a Unix socket.
     */
    static String istioUdsBootstrap(String xdsPath, String sdsPath) {
        return adsBootstrap("{ pipe: { path: \"" + xdsPath + "\" } }", true)
                + sdsGrpcCluster("{ pipe: { path: \"" + sdsPath + "\" } }");
    }

    /** pilot-agent's static sds-grpc cluster (HTTP/2) at {@code address}, to append to a bootstrap's clusters. */
    static String sdsGrpcCluster(String address) {
        return grpcCluster("sds-grpc", address);
    }

    /**
     * A bootstrap's {@code listeners:} with one HTTP listener on 127.0.0.1:{@code port} (the router only), to append
     * after its clusters; {@code routing} follows the router at the HCM's indentation ({@code route_config} or
     * {@code rds}).
     */
    static String staticHttpListener(String name, int port, String routing) {
        return """
                  listeners:
                  - name: %s
                    address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: static
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                """.formatted(name, port) + routing.indent(10);
    }

    /** A static HTTP/2 cluster for a gRPC service at {@code address}, a list item of a bootstrap's clusters. */
    static String grpcCluster(String name, String address) {
        return """
                  - name: %1$s
                    type: STATIC
                    connect_timeout: 1s
                    typed_extension_protocol_options:
                      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                        explicit_http_config: { http2_protocol_options: {} }
                    load_assignment:
                      cluster_name: %1$s
                      endpoints:
                      - lb_endpoints:
                        - endpoint: { address: %2$s }
                """.formatted(name, address);
    }

    /**
     * A STATIC cluster of one host at 127.0.0.1:port with {@link #minuteHealthChecks}, a list item of a bootstrap's
     * clusters: its first round, and so the cluster's initialization, ends only when the host answers or fails.
     */
    static String checkedCluster(String name, int port, String check) {
        return """
                  - name: %1$s
                    type: STATIC
                    connect_timeout: 1s
                    load_assignment:
                      cluster_name: %1$s
                      endpoints:
                      - lb_endpoints:
                        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %2$d } } }
                """.formatted(name, port) + minuteHealthChecks(check);
    }

    /**
     * A cluster's health_checks (at a cluster's indentation): {@code check} (e.g. {@code http_health_check: { path:
     * /healthz }}) with a one-minute timeout and interval, so a host that never answers holds the first round.
     */
    static String minuteHealthChecks(String check) {
        return """
                    health_checks:
                    - timeout: 60s
                      interval: 60s
                      no_traffic_interval: 60s
                      unhealthy_threshold: 1
                      healthy_threshold: 1
                      %s
                """.formatted(check);
    }

    /** The head of a bootstrap with an admin and static clusters only: append list items of its clusters. */
    static String staticBootstrap() {
        return """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                static_resources:
                  clusters:
                """;
    }

    /**
     * Envoy's non-aggregated layout: no ads_config; lds_config and cds_config each an api_config_source (GRPC or
     * DELTA_GRPC) to the xds-grpc static cluster at 127.0.0.1:port, so each type has a stream of its own.
     */
    static String apiSourcesBootstrap(int port, boolean delta) {
        String source = "{ resource_api_version: V3, api_config_source: " + apiConfigSource(delta) + " }";
        return """
                node: { id: "sidecar~10.0.0.1~app-1.ns~ns.svc.cluster.local", cluster: app.ns }
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                dynamic_resources:
                  lds_config: %1$s
                  cds_config: %1$s
                static_resources:
                  clusters:
                """.formatted(source)
                + grpcCluster("xds-grpc", "{ socket_address: { address: 127.0.0.1, port_value: " + port + " } }");
    }

    /** The api_config_source (YAML flow) {@link #apiSourcesBootstrap} uses: the xds-grpc cluster. */
    static String apiConfigSource(boolean delta) {
        return "{ api_type: " + (delta ? "DELTA_GRPC" : "GRPC")
                + ", transport_api_version: V3, grpc_services: [{ envoy_grpc: { cluster_name: xds-grpc } }] }";
    }

    private static String adsBootstrap(String address, boolean delta) {
        return """
                node: { id: "sidecar~10.0.0.1~app-1.ns~ns.svc.cluster.local", cluster: app.ns }
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                dynamic_resources:
                  lds_config: { ads: {}, resource_api_version: V3 }
                  cds_config: { ads: {}, resource_api_version: V3 }
                  ads_config:
                    api_type: %s
                    transport_api_version: V3
                    grpc_services:
                    - envoy_grpc: { cluster_name: xds-grpc }
                static_resources:
                  clusters:
                """.formatted(delta ? "DELTA_GRPC" : "GRPC") + grpcCluster("xds-grpc", address);
    }

    static XdsProxy start(String bootstrapYaml) throws InterruptedException {
        LoadedBootstrap loaded = new BootstrapLoader().loadString(bootstrapYaml, "test-bootstrap.yaml");
        ServerOptions options = new ServerOptions(2, Transport.detect(), Duration.ofMillis(500), Duration.ofSeconds(1),
                io.remora.server.DrainStrategy.IMMEDIATE);
        Proxy p = new Proxy(loaded.proto(), loaded.model(), options, Duration.ofSeconds(1), Map.of(), () -> { });
        return new XdsProxy(p.start());
    }

    /** status, body and the server header of one GET; status -1 and the exception text on a transport failure. */
    record Reply(int status, String body, String server) {
        @Override
        public String toString() {
            return status + " server=" + server + " body=" + body;
        }
    }

    Reply get(int port, String path) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.body(), r.headers().firstValue("server").orElse(""));
        } catch (IOException e) {
            return new Reply(-1, e.toString(), "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Reply(-1, e.toString(), "");
        }
    }

    /** Polls until a reply satisfies p (at most 10 s), then asserts the next three do too. */
    Reply awaitReply(String what, int port, String path, Predicate<Reply> p) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        Reply last = null;
        while (System.nanoTime() < deadline) {
            last = get(port, path);
            if (p.test(last)) {
                for (int i = 0; i < 3; i++) {
                    Reply again = get(port, path);
                    if (!p.test(again)) {
                        throw new AssertionError(what + ": traffic flipped back after following the new config: " + again);
                    }
                }
                return last;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("timed out waiting for " + what + "; last reply: " + last);
    }

    String admin(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.admin().port() + path)).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** A POST to the admin (e.g. {@code /runtime_modify?key=value}); its status. */
    int adminPost(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.admin().port() + path))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** One sample value from /stats/prometheus: the line starting with the name (and labels) given. */
    /** Waits up to 10 s for the unlabelled metric to read {@code value}, then asserts it does. */
    void awaitMetric(String name, double value) throws InterruptedException {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
        while (metric(name) != value && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        org.junit.jupiter.api.Assertions.assertEquals(value, metric(name), name);
    }

    double metric(String nameAndLabels) {
        for (String line : admin("/stats/prometheus").split("\n")) {
            if (line.startsWith(nameAndLabels + " ") || line.startsWith(nameAndLabels + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Double.NaN;
    }

    /** The sample of this metric whose labels include every fragment (e.g. {@code envoy_cluster_name="cluster-a"}); NaN if none. */
    double metric(String name, String... labelFragments) {
        for (String line : admin("/stats/prometheus").split("\n")) {
            if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
                continue;
            }
            boolean all = true;
            for (String f : labelFragments) {
                all &= line.contains(f);
            }
            if (all) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Double.NaN;
    }

    @Override
    public void close() {
        proxy.close();
    }

    /**
     * Raw HTTP/1.1 GETs of "/": polls with fresh connections until a response (or the failure, e.g.
     * "connection closed") contains {@code expected}; returns it.
     */
    static String awaitRaw(int port, String expected) throws Exception {
        return awaitRaw(port, expected, expected);
    }

    /**
     * As {@link #awaitRaw(int, String)}, until the connection is closed without an answer: a FIN,
     * or a reset when the proxy closed with the request unread (the kernel's answer then).
     */
    static String awaitClosed(int port) throws Exception {
        return awaitRaw(port, "connection closed", "Connection reset");
    }

    private static String awaitRaw(int port, String expected, String orElse) throws Exception {
        String last = "";
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                last = exchange(s);
            } catch (IOException e) {
                last = e.toString();
            }
            if (last.contains(expected) || last.contains(orElse)) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no response with '" + expected + "'; last: " + last);
    }

    /** One HTTP/1.1 GET on an open connection, kept open; the response head (lower-cased names) and body. */
    static String exchange(Socket s) throws IOException {
        return exchange(s, "test");
    }

    /**
     * A GET of "/" with this Host header (java.net.http will not send one of its choosing) on a fresh
     * connection: the status and body.
     */
    static Reply getWithHost(int port, String host) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            String r = exchange(s, host);
            int body = r.indexOf("\r\n\r\n");
            return new Reply(Integer.parseInt(r.substring(9, 12)), r.substring(body + 4), "");
        } catch (IOException e) {
            return new Reply(-1, e.toString(), "");
        }
    }

    private static String exchange(Socket s, String host) throws IOException {
        s.setSoTimeout(10_000);
        s.getOutputStream().write(("GET / HTTP/1.1\r\nhost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after: " + head);
            }
            head.write(b);
        }
        String h = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : h.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return h + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}

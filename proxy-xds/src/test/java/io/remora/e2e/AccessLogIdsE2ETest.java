package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The access-log operators an operator uses to tie a request to its connections, trace and
 * debug lines: %CONNECTION_ID% and %UPSTREAM_CONNECTION_ID% are the ids the debug log's tags
 * print, %TRACE_ID% is the trace the upstream was told, and the chain, route and metadata
 * operators print what the config named.
 */
class AccessLogIdsE2ETest {

    private static final String HTTP_FORMAT = "conn=%CONNECTION_ID% up=%UPSTREAM_CONNECTION_ID% trace=%TRACE_ID% "
            + "span=%SPAN_ID% "
            + "chain=%FILTER_CHAIN_NAME% route=%ROUTE_NAME% vc=%VIRTUAL_CLUSTER_NAME% sni=%REQUESTED_SERVER_NAME% "
            + "lport=%DOWNSTREAM_LOCAL_PORT% canary=%UPSTREAM_METADATA(envoy.lb:canary)% "
            + "meta=%METADATA(UPSTREAM_HOST:envoy.lb)% owner=%CLUSTER_METADATA(team:owner)% team=%METADATA(CLUSTER:team)% "
            + "uid=%UNIQUE_ID% host=%HOSTNAME%\\n";

    private static String bootstrap(int admin, int http, int tcp, int upstream, int collector, Path httpLog,
                                    Path tcpLog) {
        return """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                static_resources:
                  listeners:
                  - name: http
                    address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                    filter_chains:
                    - name: web-chain
                      filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: ingress
                          tracing:
                            random_sampling: { value: 100 }
                            provider:
                              name: envoy.tracers.opentelemetry
                              typed_config:
                                "@type": type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig
                                grpc_service: { envoy_grpc: { cluster_name: otel }, timeout: 1s }
                                service_name: ids-test
                          access_log:
                          - name: envoy.access_loggers.file
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                              path: %s
                              log_format: { text_format_source: { inline_string: "%s" } }
                          route_config:
                            name: local-routes
                            virtual_hosts:
                            - name: all
                              domains: ["127.0.0.1:%d"]
                              routes:
                              - name: api-route
                                match: { prefix: "/" }
                                route: { cluster: up }
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                  - name: tcp
                    address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                    filter_chains:
                    - name: tcp-chain
                      filters:
                      - name: envoy.filters.network.tcp_proxy
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                          stat_prefix: tcp
                          cluster: up
                          access_log:
                          - name: envoy.access_loggers.file
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                              path: %s
                              log_format: { text_format_source: { inline_string: "conn=%%CONNECTION_ID%% up=%%UPSTREAM_CONNECTION_ID%% chain=%%FILTER_CHAIN_NAME%% trace=%%TRACE_ID%% sid=%%STREAM_ID%% rid=%%REQ(X-REQUEST-ID)%%\\n" } }
                  clusters:
                  - name: up
                    type: STATIC
                    connect_timeout: 1s
                    metadata: { filter_metadata: { team: { owner: payments, tier: gold } } }
                    load_assignment:
                      cluster_name: up
                      endpoints:
                      - lb_endpoints:
                        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
                          metadata: { filter_metadata: { envoy.lb: { canary: true, version: v2 } } }
                %s
                """.formatted(admin, http, httpLog, HTTP_FORMAT, http, tcp, tcpLog, upstream,
                Bootstraps.indent(Bootstraps.cluster("otel", true, null, collector), 2));
    }

    /** One request written as raw bytes; the whole answer (the peer closes). */
    private static String raw(int port, String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private static String field(String line, String name) {
        Matcher m = Pattern.compile("(?:^| )" + name + "=(\\S+)").matcher(line);
        assertTrue(m.find(), name + " in " + line);
        return m.group(1);
    }

    @Test
    void idsTraceChainRouteAndMetadataMatchWhatTheProxyDidAndLogged() throws Exception {
        try (TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int http = ProxyProcess.freePort();
            int tcp = ProxyProcess.freePort();
            Path httpLog = TempPaths.file("http-access", ".log");
            Path tcpLog = TempPaths.file("tcp-access", ".log");
            // The collector port has nobody listening: spans are dropped, ids are still made.
            String yaml = bootstrap(admin, http, tcp, up.port(), ProxyProcess.freePort(), httpLog, tcpLog);
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin, List.of("-Xmx256m"), "-l", "debug")) {
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                String traceparent = null;
                for (int i = 0; i < 2; i++) {
                    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/a"))
                            .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
                    assertEquals(200, r.statusCode());
                    traceparent = up.lastHeaders.get("traceparent");
                }
                List<String> lines = LogFiles.await(httpLog, 2);
                String first = lines.get(0);
                String second = lines.get(1);
                // One keep-alive downstream connection and one pooled upstream connection: same ids.
                String conn = field(first, "conn");
                String upConn = field(first, "up");
                assertTrue(conn.matches("\\d+") && upConn.matches("\\d+"), first);
                assertNotEquals(conn, upConn, "one id sequence for downstream and upstream connections");
                assertEquals(conn, field(second, "conn"), second);
                assertEquals(upConn, field(second, "up"), second);
                // The trace the upstream was told (W3C traceparent 00-<trace>-<span>-01).
                assertTrue(traceparent != null && traceparent.startsWith("00-"), String.valueOf(traceparent));
                assertEquals(traceparent.split("-")[1], field(second, "trace"), second);
                // %SPAN_ID%: the stream's own span, the parent the upstream was told.
                assertEquals(traceparent.split("-")[2], field(second, "span"), second);
                assertNotEquals(field(first, "trace"), field(second, "trace"), "a trace per request");
                assertEquals("web-chain", field(first, "chain"), first);
                assertEquals("api-route", field(first, "route"), first);
                assertEquals("-", field(first, "vc"), first);
                assertEquals("-", field(first, "sni"), "plaintext: no SNI");
                assertEquals(Integer.toString(http), field(first, "lport"), first);
                assertEquals("true", field(first, "canary"), first);
                assertTrue(field(first, "meta").contains("\"version\":\"v2\""), first);
                assertEquals("payments", field(first, "owner"), first);
                assertEquals("{\"owner\":\"payments\",\"tier\":\"gold\"}", field(first, "team"), first);
                String uid = field(first, "uid");
                assertTrue(uid.matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), uid);
                assertNotEquals(uid, field(second, "uid"));
                assertNotEquals("-", field(first, "host"), first);

                // The debug lines of those streams and connections carry the same ids.
                String log = proxy.log();
                assertTrue(Pattern.compile("\\[debug]\\[router] \\[Tags: \"ConnectionId\":\"" + conn
                        + "\",\"StreamId\":\"\\d+\"] cluster 'up' match for URL '/a'").matcher(log).find(), log);
                assertTrue(log.contains("[debug][conn_handler] [Tags: \"ConnectionId\":\"" + conn
                        + "\"] new connection from /127.0.0.1:"), log);
                assertTrue(log.contains("[debug][pool] [Tags: \"ConnectionId\":\"" + upConn
                        + "\"] creating a new connection to /127.0.0.1:" + up.port() + " for cluster 'up'"), log);
                assertTrue(log.contains("[debug][pool] [Tags: \"ConnectionId\":\"" + upConn
                        + "\"] connected to /127.0.0.1:" + up.port() + " for cluster 'up'"), log);
                assertTrue(log.contains("[debug][conn_handler] [Tags: \"ConnectionId\":\"" + conn
                        + "\"] filter chain 'web-chain' of listener 'http' selected for destination"), log);

                // A Host no virtual host serves: 404, and the router says why.
                assertTrue(raw(http, "GET /x HTTP/1.1\r\nhost: nohost.test\r\nconnection: close\r\n\r\n")
                        .startsWith("HTTP/1.1 404"));
                Pattern noVhost = Pattern.compile("\\[debug]\\[router] \\[Tags: \"ConnectionId\":\"\\d+\",\"StreamId\":\"\\d+\"] "
                        + "no virtual host match for authority 'nohost.test' in route config 'local-routes'");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!noVhost.matcher(proxy.log()).find() && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertTrue(noVhost.matcher(proxy.log()).find(), proxy.log());

                // tcp_proxy: its own downstream and upstream connections, its chain's name; no trace.
                String answer = raw(tcp, "GET /t HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
                assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
                String tcpLine = LogFiles.await(tcpLog, 1).get(0);
                String tcpConn = field(tcpLine, "conn");
                String tcpUp = field(tcpLine, "up");
                assertTrue(tcpConn.matches("\\d+") && tcpUp.matches("\\d+"), tcpLine);
                assertTrue(List.of(conn, upConn, tcpUp).stream().noneMatch(tcpConn::equals), tcpLine);
                assertNotEquals(upConn, tcpUp, tcpLine);
                assertEquals("tcp-chain", field(tcpLine, "chain"), tcpLine);
                assertEquals("-", field(tcpLine, "trace"), tcpLine);
                // Envoy's tcp_proxy gives each connection a random UUID as its stream id; no request id.
                String sid = field(tcpLine, "sid");
                assertTrue(sid.matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"), tcpLine);
                assertEquals("-", field(tcpLine, "rid"), tcpLine);
                raw(tcp, "GET /t2 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
                assertNotEquals(sid, field(LogFiles.await(tcpLog, 2).get(1), "sid"), "one id per connection");
                assertTrue(proxy.log().contains("[debug][filter] [Tags: \"ConnectionId\":\"" + tcpConn
                        + "\"] Creating connection to cluster up"), proxy.log());
            }
        }
    }
}

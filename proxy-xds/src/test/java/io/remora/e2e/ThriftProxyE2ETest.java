package io.remora.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.thrift.TApplicationException;
import org.apache.thrift.protocol.TMessage;
import org.apache.thrift.protocol.TMessageType;
import org.apache.thrift.protocol.TProtocol;
import org.apache.thrift.transport.TTransportException;
import org.junit.jupiter.api.Test;

/**
 * Envoy's thrift_proxy with libthrift clients and servers on real sockets: a framed binary and
 * an unframed compact client through one auto-detecting listener to framed binary servers
 * (the clusters' ThriftProtocolOptions), routing by method and service name, weighted clusters,
 * Envoy's local TApplicationExceptions, a oneway call, sequence ids kept, and the stats.
 */
class ThriftProxyE2ETest {

    /** What a call came back with: the message type and the success value or the exception's text. */
    private record Result(byte type, int seqId, String value, int exceptionType) {
    }

    @Test
    void routesCallsBetweenTransportsAndProtocols() throws Exception {
        try (ThriftUpstream alpha = new ThriftUpstream("alpha", true, false);
             ThriftUpstream beta = new ThriftUpstream("beta", true, false)) {
            int admin = ProxyProcess.freePort();
            int closed = ProxyProcess.freePort();
            Map<String, Integer> ports = Map.of("thrift", ProxyProcess.freePort());
            String listeners = listener("""
                            stat_prefix: ingress
                            route_config:
                              name: local
                              validate_clusters: false # a route to the missing cluster below
                              routes:
                              - match: { service_name: beta }
                                route: { cluster: beta, strip_service_name: true }
                              - match: { method_name: split }
                                route:
                                  weighted_clusters:
                                    clusters:
                                    - { name: alpha, weight: 50 }
                                    - { name: beta, weight: 50 }
                              - match: { method_name: lost }
                                route: { cluster: missing }
                              - match: { method_name: down }
                                route: { cluster: down }
                              - match: { method_name: nosuch, invert: true }
                                route: { cluster: alpha }
                            thrift_filters:
                            - name: envoy.filters.thrift.router
                              typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.thrift_proxy.router.v3.Router }
                    """);
            String framedBinary = protocolOptions("transport: FRAMED\nprotocol: BINARY");
            String clusters = Bootstraps.cluster("alpha", false, framedBinary, alpha.port()) + "\n"
                    + Bootstraps.cluster("beta", false, framedBinary, beta.port()) + "\n"
                    + Bootstraps.cluster("down", false, "", closed);
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.listeners(admin, listeners, clusters, ports), admin)) {
                int port = ports.get("thrift");
                try (Socket s = socket(port)) {
                    TProtocol p = ThriftUpstream.protocol(s, true, false);
                    Result r = call(p, "greet", 77, "framed");
                    assertEquals(new Result(TMessageType.REPLY, 77, "alpha:hello framed", -1), r,
                            "framed binary to alpha, the client's sequence id kept");
                    ThriftUpstream.writeCall(p, "notify", TMessageType.ONEWAY, 78, "one way");
                    assertEquals("one way", alpha.notified.poll(10, TimeUnit.SECONDS), "the oneway call arrived");
                    // No reply was written for the oneway call: the next answer is this call's.
                    assertEquals(new Result(TMessageType.REPLY, 79, "alpha:hello again", -1), call(p, "greet", 79, "again"));
                    assertEquals(TMessageType.REPLY, call(p, "fail", 80, "x").type(), "a declared exception is a reply");
                    Result crash = call(p, "crash", 81, "x");
                    assertEquals(TMessageType.EXCEPTION, crash.type());
                    assertEquals("crashed", crash.value());
                }
                try (Socket s = socket(port)) {
                    TProtocol p = ThriftUpstream.protocol(s, false, true);
                    assertEquals(new Result(TMessageType.REPLY, 5, "beta:hello compact", -1), call(p, "beta:greet", 5, "compact"),
                            "unframed compact through to a framed binary server and back");
                    assertEquals("greet", beta.methods.get(beta.methods.size() - 1), "strip_service_name");
                    int before = alpha.methods.size() + beta.methods.size();
                    for (int i = 0; i < 40; i++) {
                        String v = call(p, "split", 100 + i, "w").value();
                        assertTrue(v.equals("alpha:hello w") || v.equals("beta:hello w"), v);
                    }
                    assertEquals(before + 40, alpha.methods.size() + beta.methods.size());
                    assertTrue(alpha.methods.contains("split") && beta.methods.contains("split"),
                            "weighted clusters send some calls to each: " + alpha.methods + " " + beta.methods);
                }
                try (Socket s = socket(port)) {
                    TProtocol p = ThriftUpstream.protocol(s, true, false);
                    Result r = call(p, "nosuch", 9, "x");
                    assertEquals(new Result(TMessageType.EXCEPTION, 9, "no route for method 'nosuch'",
                            TApplicationException.UNKNOWN_METHOD), r);
                    assertThrows(TTransportException.class, () -> call(p, "greet", 10, "x"),
                            "close_downstream_on_upstream_error defaults to true: the connection was closed");
                }
                try (Socket s = socket(port)) {
                    TProtocol p = ThriftUpstream.protocol(s, true, false);
                    assertEquals(new Result(TMessageType.EXCEPTION, 11, "unknown cluster 'missing'",
                            TApplicationException.INTERNAL_ERROR), call(p, "lost", 11, "x"));
                }
                try (Socket s = socket(port)) {
                    TProtocol p = ThriftUpstream.protocol(s, false, true);
                    assertEquals(new Result(TMessageType.EXCEPTION, 12,
                            "connection failure before response start: remote_connection_failure '127.0.0.1:" + closed + "'",
                            TApplicationException.INTERNAL_ERROR), call(p, "down", 12, "x"));
                }

                assertEquals(48, proxy.stat("thrift.ingress.request_call"));
                assertEquals(1, proxy.stat("thrift.ingress.request_oneway"));
                assertEquals(49, proxy.stat("thrift.ingress.request"));
                assertEquals(45, proxy.stat("thrift.ingress.response"));
                assertEquals(44, proxy.stat("thrift.ingress.response_reply"));
                assertEquals(43, proxy.stat("thrift.ingress.response_success"));
                assertEquals(1, proxy.stat("thrift.ingress.response_error"));
                assertEquals(4, proxy.stat("thrift.ingress.response_exception"), "the upstream's and three local ones");
                assertEquals(1, proxy.stat("thrift.ingress.route_missing"));
                assertEquals(1, proxy.stat("thrift.ingress.unknown_cluster"));
                assertEquals(1, proxy.stat("cluster.alpha.thrift.upstream_rq_oneway"));
                assertEquals(1, proxy.stat("cluster.alpha.thrift.upstream_resp_exception_remote"));
                assertEquals(1, proxy.stat("cluster.alpha.thrift.upstream_resp_error"));
                assertEquals(1, proxy.stat("cluster.down.thrift.upstream_resp_exception_local.remote_connection_failure"));
                assertEquals(44, proxy.stat("cluster.alpha.thrift.upstream_resp_reply")
                        + proxy.stat("cluster.beta.thrift.upstream_resp_reply"));
                proxy.closeCheckingLeaks();
            }
        }
    }

    @Test
    void headerTransportFiltersWriteMetadataToTheAccessLog() throws Exception {
        try (ThriftUpstream alpha = new ThriftUpstream("alpha", true, false);
             ThriftUpstream beta = new ThriftUpstream("beta", true, false)) {
            int admin = ProxyProcess.freePort();
            java.nio.file.Path log = java.nio.file.Files.createTempFile("thrift-access", ".log");
            Map<String, Integer> ports = Map.of("thrift", ProxyProcess.freePort());
            String listeners = listener("""
                            stat_prefix: meta
                            transport: HEADER
                            payload_passthrough: true
                            max_requests_per_connection: 2
                            access_log:
                            - name: envoy.access_loggers.file
                              typed_config:
                                "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                                path: %s
                                log_format:
                                  text_format_source:
                                    inline_string: "%%DYNAMIC_METADATA(envoy.filters.thrift.header_to_metadata:tenant)%% %%DYNAMIC_METADATA(acme:user)%% %%DYNAMIC_METADATA(envoy.filters.thrift.payload_to_metadata:missing)%% %%UPSTREAM_CLUSTER%%\\n"
                            route_config:
                              routes:
                              - match: { method_name: greet, headers: [ { name: x-cluster, present_match: true } ] }
                                route: { cluster_header: x-cluster }
                              - match: { method_name: "" }
                                route: { cluster: alpha }
                            thrift_filters:
                            - name: envoy.filters.thrift.header_to_metadata
                              typed_config:
                                "@type": type.googleapis.com/envoy.extensions.filters.network.thrift_proxy.filters.header_to_metadata.v3.HeaderToMetadata
                                request_rules:
                                - header: X-Tenant
                                  on_present: { key: tenant }
                                  remove: true
                            - name: envoy.filters.thrift.payload_to_metadata
                              typed_config:
                                "@type": type.googleapis.com/envoy.extensions.filters.network.thrift_proxy.filters.payload_to_metadata.v3.PayloadToMetadata
                                request_rules:
                                - method_name: greet
                                  field_selector: { name: arg, id: 1 }
                                  on_present: { metadata_namespace: acme, key: user }
                                - method_name: greet
                                  field_selector: { name: nested, id: 2, child: { name: x, id: 1 } }
                                  on_missing: { key: missing, value: "none" }
                            - name: envoy.filters.thrift.router
                    """.formatted(log));
            String framedBinary = protocolOptions("transport: FRAMED");
            String clusters = Bootstraps.cluster("alpha", false, framedBinary, alpha.port()) + "\n"
                    + Bootstraps.cluster("beta", false, framedBinary, beta.port());
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.listeners(admin, listeners, clusters, ports), admin)) {
                try (Socket s = socket(ports.get("thrift"))) {
                    Result r = headerCall(s, "greet", 21, "carol", Map.of("x-cluster", "beta", "X-Tenant", "acme"));
                    assertEquals(new Result(TMessageType.REPLY, 21, "beta:hello carol", -1), r,
                            "header transport in, framed binary to the cluster the header named");
                    r = headerCall(s, "greet", 22, "dave", Map.of());
                    assertEquals(new Result(TMessageType.REPLY, 22, "alpha:hello dave", -1), r);
                    assertEquals(-1, s.getInputStream().read(), "max_requests_per_connection: closed after the second");
                }
                assertEquals(1, proxy.stat("thrift.meta.downstream_cx_max_requests"));
                assertEquals(2, proxy.stat("thrift.meta.request_passthrough"), "header to framed, binary both sides");
                assertEquals(2, proxy.stat("thrift.meta.response_passthrough"));
                List<String> lines = LogFiles.await(log, 2);
                assertEquals("acme carol none beta", lines.get(0));
                assertEquals("- dave none alpha", lines.get(1));
                assertEquals(2, proxy.stat("thrift.meta.response_success"));
                proxy.closeCheckingLeaks();
            }
        }
    }

    @Test
    void thriftHealthCheckerFailsHostsThatAnswerWithAnException() throws Exception {
        try (ThriftUpstream alpha = new ThriftUpstream("alpha", false, true);
             ThriftUpstream beta = new ThriftUpstream("beta", false, true)) {
            beta.sick = true;
            int admin = ProxyProcess.freePort();
            Map<String, Integer> ports = Map.of("thrift", ProxyProcess.freePort());
            String listeners = listener("""
                            stat_prefix: hc
                            transport: UNFRAMED
                            protocol: COMPACT
                            route_config:
                              routes:
                              - match: { method_name: "" }
                                route: { cluster: both }
                    """);
            String hc = """
                      health_checks:
                      - timeout: 1s
                        interval: 0.2s
                        no_traffic_interval: 0.2s
                        unhealthy_threshold: 1
                        healthy_threshold: 1
                        custom_health_check:
                          name: envoy.health_checkers.thrift
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.health_checkers.thrift.v3.Thrift
                            method_name: ping
                            transport: UNFRAMED
                            protocol: COMPACT
                    """;
            String clusters = Bootstraps.cluster("both", false, hc, alpha.port(), beta.port());
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.listeners(admin, listeners, clusters, ports), admin)) {
                HostHealthFailureE2ETest.await("the host answering with exceptions fails its checks",
                        () -> ResilienceE2ETest.healthFlags(proxy, "both", beta.port()).contains("failed_active_hc")
                                && ResilienceE2ETest.healthFlags(proxy, "both", alpha.port()).equals("healthy"));
                assertTrue(alpha.methods.contains("ping") && beta.methods.contains("ping"), "the checker called ping");
                try (Socket s = socket(ports.get("thrift"))) {
                    TProtocol p = ThriftUpstream.protocol(s, false, true);
                    for (int i = 0; i < 10; i++) {
                        assertEquals("alpha:hello x", call(p, "greet", i, "x").value(), "only the healthy host is used");
                    }
                }
                beta.sick = false;
                HostHealthFailureE2ETest.await("the host recovers",
                        () -> ResilienceE2ETest.healthFlags(proxy, "both", beta.port()).equals("healthy"));
                assertTrue(proxy.stat("cluster.both.health_check.failure") >= 1);
                proxy.closeCheckingLeaks();
            }
        }
    }

    /** A call in the header transport (binary protocol) with these headers, written and read by hand. */
    private static Result headerCall(Socket s, String method, int seqId, String arg, Map<String, String> headers)
            throws Exception {
        org.apache.thrift.transport.TMemoryBuffer payload = new org.apache.thrift.transport.TMemoryBuffer(256);
        ThriftUpstream.writeCall(new org.apache.thrift.protocol.TBinaryProtocol(payload), method, TMessageType.CALL,
                seqId, arg);
        java.io.ByteArrayOutputStream h = new java.io.ByteArrayOutputStream();
        h.write(0); // binary protocol
        h.write(0); // no transforms
        if (!headers.isEmpty()) {
            h.write(1); // key/value block
            h.write(headers.size());
            for (Map.Entry<String, String> e : headers.entrySet()) {
                byte[] k = e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                byte[] v = e.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                h.write(k.length);
                h.write(k);
                h.write(v.length);
                h.write(v);
            }
        }
        while (h.size() % 4 != 0) {
            h.write(0);
        }
        java.io.DataOutputStream out = new java.io.DataOutputStream(s.getOutputStream());
        out.writeInt(10 + h.size() + payload.length());
        out.writeShort(0x0FFF);
        out.writeShort(0);
        out.writeInt(seqId);
        out.writeShort(h.size() / 4);
        h.writeTo(out);
        out.write(payload.getArray(), 0, payload.length());
        out.flush();

        java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
        byte[] frame = new byte[in.readInt()];
        in.readFully(frame);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(frame);
        assertEquals(0x0FFF, b.getShort() & 0xffff, "a header transport reply");
        b.getShort();
        b.getInt();
        int headerSize = (b.getShort() & 0xffff) * 4;
        int at = b.position() + headerSize;
        TProtocol p = new org.apache.thrift.protocol.TBinaryProtocol(
                new org.apache.thrift.transport.TMemoryInputTransport(frame, at, frame.length - at));
        TMessage m = p.readMessageBegin();
        String value = ThriftUpstream.readStringField(p, (short) 0);
        return new Result(m.type, m.seqid, value, -1);
    }

    /** Listener "thrift" on port ${thrift} whose thrift_proxy has these fields (YAML, indented 8). */
    private static String listener(String proxyFields) {
        return """
                - name: thrift
                  address: { socket_address: { address: 127.0.0.1, port_value: ${thrift} } }
                  filter_chains:
                  - filters:
                    - name: envoy.filters.network.thrift_proxy
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.thrift_proxy.v3.ThriftProxy
                """ + proxyFields;
    }

    /** A cluster's ThriftProtocolOptions with these fields (YAML), for {@link Bootstraps#cluster}'s extra. */
    private static String protocolOptions(String fields) {
        return """
                  typed_extension_protocol_options:
                    envoy.filters.network.thrift_proxy:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.thrift_proxy.v3.ThriftProtocolOptions
                """ + Bootstraps.indent(fields, 6) + "\n";
    }

    private static Socket socket(int port) throws Exception {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        return s;
    }

    /** One call with a string argument; the reply's field 0, or the TApplicationException's message and type. */
    private static Result call(TProtocol p, String method, int seqId, String arg) throws Exception {
        ThriftUpstream.writeCall(p, method, TMessageType.CALL, seqId, arg);
        TMessage m = p.readMessageBegin();
        if (m.type == TMessageType.EXCEPTION) {
            TApplicationException e = TApplicationException.readFrom(p);
            p.readMessageEnd();
            return new Result(m.type, m.seqid, e.getMessage(), e.getType());
        }
        String value = ThriftUpstream.readStringField(p, (short) 0);
        p.readMessageEnd();
        return new Result(m.type, m.seqid, value, -1);
    }
}

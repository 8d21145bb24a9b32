package io.remora.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
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
            String listeners = """
                    - name: thrift
                      address: { socket_address: { address: 127.0.0.1, port_value: ${thrift} } }
                      filter_chains:
                      - filters:
                        - name: envoy.filters.network.thrift_proxy
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.filters.network.thrift_proxy.v3.ThriftProxy
                            stat_prefix: ingress
                            route_config:
                              name: local
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
                    """;
            String framedBinary = """
                      typed_extension_protocol_options:
                        envoy.filters.network.thrift_proxy:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.thrift_proxy.v3.ThriftProtocolOptions
                          transport: FRAMED
                          protocol: BINARY
                    """;
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
            }
        }
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

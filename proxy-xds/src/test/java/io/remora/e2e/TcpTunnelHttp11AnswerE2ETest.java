package io.remora.e2e;

import io.remora.testing.SocketServers;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * tcp_proxy tunnels over HTTP/1.1 and the CONNECT answer's framing, after Envoy's
 * tcp_tunneling_integration_test.cc 2xxStatusCodeValidHttp1, ContentLengthHeaderIgnoredHttp1 and
 * TransferEncodingHeaderIgnoredHttp1: any 2xx opens the tunnel, and what follows the answer is the
 * tunnel's bytes whatever Content-Length or Transfer-Encoding it names; and after
 * ConnectionAttemptRetryOnUpstreamConnectionCloseBeforeResponseHeaders, a connection closed before
 * its answer is a failed attempt (UF) that the next one replaces. The upstream is a CONNECT
 * proxy on a plain socket that answers by the target it is asked for, then echoes.
 */
class TcpTunnelHttp11AnswerE2ETest {

    static ServerSocket connectProxy;
    static ProxyProcess proxy;
    static int accepted;
    static int withLength;
    static int chunked;
    static int retried;
    static final java.util.concurrent.atomic.AtomicInteger RETRIED_SEEN = new java.util.concurrent.atomic.AtomicInteger();
    static Path accessLog;

    @BeforeAll
    static void start() throws Exception {
        connectProxy = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        SocketServers.acceptEach(connectProxy, "connect-proxy", s -> {
            try (s) {
                InputStream in = s.getInputStream();
                String head = io.remora.testing.HttpHeads.read(in);
                String target = head.split(" ", 3)[1];
                if (target.equals("retried.test:1") && RETRIED_SEEN.getAndIncrement() == 0) {
                    return; // closed before any answer: the proxy tries again
                }
                String answer = switch (target) {
                    case "accepted.test:1" -> "HTTP/1.1 202 Accepted\r\n\r\n";
                    case "length.test:1" -> "HTTP/1.1 226 IM Used\r\nContent-Length: 10\r\n\r\n";
                    case "retried.test:1" -> "HTTP/1.1 200 OK\r\n\r\n";
                    default -> "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
                };
                OutputStream out = s.getOutputStream();
                // More than the Content-Length names, and nothing like a chunk: raw tunnel bytes.
                out.write((answer + "from-upstream:").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                in.transferTo(out);
            } catch (IOException e) {
                // the test fails on its side
            }
        });
        accessLog = TempPaths.file("remora-tcp-tunnel-h11-answer", ".log");
        int admin = ProxyProcess.freePort();
        accepted = ProxyProcess.freePort();
        withLength = ProxyProcess.freePort();
        chunked = ProxyProcess.freePort();
        retried = ProxyProcess.freePort();
        proxy = ProxyProcess.start("""
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                static_resources:
                  listeners:
                %s
                %s
                %s
                %s
                  clusters:
                %s
                """.formatted(admin, listener("accepted", accepted), listener("length", withLength),
                listener("chunked", chunked), listener("retried", retried),
                Bootstraps.indent(Bootstraps.cluster("connect_proxy", false, null, connectProxy.getLocalPort()), 2)),
                admin);
    }

    private static String listener(String name, int port) {
        return TcpTunnelingE2ETest.tunnelListener(name, port, "connect_proxy",
                "max_connect_attempts: 2\ntunneling_config: { hostname: \"" + name + ".test:1\" }\n", accessLog,
                name + " attempts=%UPSTREAM_REQUEST_ATTEMPT_COUNT% flags=%RESPONSE_FLAGS%");
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[]{proxy, connectProxy}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void anyTwoHundredOpensAnHttp11Tunnel() throws Exception {
        assertEquals("from-upstream:hello", TcpTunnelingE2ETest.roundTrip(accepted, "hello"), () -> proxy.log());
    }

    @Test
    void theAnswersContentLengthIsIgnored() throws Exception {
        assertEquals("from-upstream:a longer payload than ten", TcpTunnelingE2ETest.roundTrip(withLength, "a longer payload than ten"),
                () -> proxy.log());
    }

    @Test
    void theAnswersTransferEncodingIsIgnored() throws Exception {
        assertEquals("from-upstream:not chunked", TcpTunnelingE2ETest.roundTrip(chunked, "not chunked"), () -> proxy.log());
    }

    @Test
    void aConnectionClosedBeforeItsAnswerIsAFailedAttemptRetried() throws Exception {
        assertEquals("from-upstream:again", TcpTunnelingE2ETest.roundTrip(retried, "again"), () -> proxy.log());
        assertEquals(2, RETRIED_SEEN.get(), "two CONNECTs");
        String line = LogFiles.line(LogFiles.await(accessLog, l -> l.stream().anyMatch(x -> x.startsWith("retried "))),
                "retried");
        assertEquals(2, LogFiles.number(line, "attempts"), line);
        assertEquals("UF", LogFiles.field(line, "flags"), line);
    }
}

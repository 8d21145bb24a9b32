package io.remora.http;

import io.remora.config.HttpConnectionManagerConfig.CodecType;
import io.remora.http.testing.LeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Envoy's HTTP/1.1 server codec counts responses the socket has not taken (kMaxOutboundResponses,
 * 2) and fails a pipelined request that begins past them with a flood error
 * (doFloodProtectionChecks, {@code http1.response_flood}): the connection goes. Was: a client that
 * pipelines and never reads had every answer buffered for it, the connection kept.
 */
@ExtendWith(LeakCheck.class)
class Http1ResponseFloodTest {

    /**
     * Envoy's connection writes in its write event, after the dispatch: two responses answered at
     * once are both still queued (their sentinels unreleased) when a third request pipelined in
     * the same read begins, so that one is the flood, whether or not the client reads (Envoy's
     * maybeAddSentinelBufferFragment and ConnectionImpl::write). Was: all three answered.
     */
    @Test
    void aThirdRequestPipelinedBehindTwoAnsweredAtOnceIsTheFlood() throws Exception {
        HcmServer server = new HcmServer(HcmServer.config(b -> b.codec(CodecType.HTTP1)));
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "GET /3 HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals(200, c.read().status());
            assertEquals(200, c.read().status());
            assertEquals(null, c.read(), "the third request was answered");
            assertTrue(c.closedByPeer());
        } finally {
            server.close();
        }
        assertEquals(1.0, server.hcm.stats.http1ResponseFlood.count());
    }

    /** Two pipelined requests answered at once are within the limit. */
    @Test
    void twoPipelinedRequestsAreServed() throws Exception {
        HcmServer server = new HcmServer(HcmServer.config(b -> b.codec(CodecType.HTTP1)));
        try (RawHttp c = new RawHttp(server.port)) {
            for (int i = 0; i < 3; i++) {
                c.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n");
                assertEquals(200, c.read().status());
                assertEquals(200, c.read().status());
            }
        } finally {
            server.close();
        }
        assertEquals(0.0, server.hcm.stats.http1ResponseFlood.count());
    }

    @Test
    void aPipeliningClientThatNeverReadsLosesItsConnection() throws Exception {
        HcmServer server = new HcmServer(HcmServer.config(b -> b.codec(CodecType.HTTP1)));
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(4096);
            s.connect(new InetSocketAddress("127.0.0.1", server.port));
            byte[] body = new byte[256 * 1024];
            byte[] head = ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            OutputStream out = s.getOutputStream();
            // Echoed back (the test filter streams the body), 16 MiB in all: more than the
            // kernel's buffers take while the client reads nothing.
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; i < 64; i++) {
                        out.write(head);
                        out.write(body);
                    }
                } catch (IOException closed) {
                    // the proxy closed the connection
                }
            }, "pipelining-writer");
            writer.setDaemon(true);
            writer.start();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (server.hcm.stats.http1ResponseFlood.count() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(1.0, server.hcm.stats.http1ResponseFlood.count(), "no response flood");
            // The client reads at last: what was queued, then the close.
            s.setSoTimeout(20_000);
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64 * 1024];
            boolean closed = false;
            try {
                while (in.read(buf) >= 0) {
                    // drain
                }
                closed = true;
            } catch (java.net.SocketException reset) {
                closed = true;
            }
            assertTrue(closed, "the connection stayed open");
            writer.join(20_000);
        } finally {
            server.close();
        }
        assertEquals(1.0, server.hcm.stats.http1ResponseFlood.count());
    }
}

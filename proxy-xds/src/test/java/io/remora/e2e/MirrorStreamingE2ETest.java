package io.remora.e2e;

import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.remora.testing.GrpcText;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code request_mirror_policies} as Envoy streams them (streaming_shadow): the copy starts with
 * the request's headers and takes the body as it passes, so it needs no whole body and a body
 * larger than the connection's buffer limit is mirrored too; a mirror cluster that is down, or one
 * that never answers (its copy times out after the route's timeout), costs the primary nothing; a
 * gRPC stream reaches the shadow message by message.
 */
class MirrorStreamingE2ETest {

    @RegisterExtension
    static final E2EStack stack = E2EStack.checkingLeaks();
    /** Far above the listener's 64 KiB buffer limit. */
    static final int BODY = 4 * 1024 * 1024;
    static final MethodDescriptor<String, String> BIDI = GrpcText.bidi("demo.Echo/Chat");

    static TestUpstream primary;
    static TestUpstream shadow;
    static int down;
    /** A mirror that reads requests and never answers. */
    static ServerSocket silent;
    static ProxyProcess proxy;
    static final BlockingQueue<String> shadowMessages = new LinkedBlockingQueue<>();
    static final CountDownLatch shadowCallEnded = new CountDownLatch(1);
    static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        primary = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "primary"));
        shadow = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "shadow"));
        try (ServerSocket s = new ServerSocket(0)) {
            down = s.getLocalPort(); // nothing listens there once closed
        }
        silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        stack.own(silent::close);
        io.remora.testing.SocketServers.acceptEach(silent, "silent-mirror", c -> {
            try (c) {
                c.getInputStream().transferTo(OutputStream.nullOutputStream());
            } catch (java.io.IOException e) {
                // the proxy went
            }
        });
        Server grpcPrimary = grpcServer(null);
        Server grpcShadow = grpcServer(shadowMessages);
        String routes = """
                - match: { prefix: "/demo.Echo/", grpc: {} }
                  route: { cluster: grpc_primary, timeout: 0s, request_mirror_policies: [ { cluster: grpc_shadow } ] }
                - match: { prefix: /quick }
                  route: { cluster: primary, timeout: 1s, request_mirror_policies: [ { cluster: silent } ] }
                - match: { prefix: / }
                  route: { cluster: primary, timeout: 60s, request_mirror_policies: [ { cluster_header: x-mirror-to } ] }
                """;
        String clusters = Bootstraps.cluster("primary", false, null, primary.port())
                + Bootstraps.cluster("shadow", false, null, shadow.port())
                + Bootstraps.cluster("down", false, null, down)
                + Bootstraps.cluster("silent", false, null, silent.getLocalPort())
                + Bootstraps.cluster("grpc_primary", true, null, grpcPrimary.getPort())
                + Bootstraps.cluster("grpc_shadow", true, null, grpcShadow.getPort());
        String yaml = stack.http(TempPaths.file("access", ".log").toString(), routes, clusters)
                .replace("port_value: " + stack.port + " } }\n",
                        "port_value: " + stack.port + " } }\n    per_connection_buffer_limit_bytes: 65536\n");
        proxy = stack.start(yaml);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", stack.port).usePlaintext().build();
        stack.own(channel::shutdownNow);
    }

    /** An echoing gRPC server; {@code seen} (when not null) takes each message as it arrives. */
    private static Server grpcServer(BlockingQueue<String> seen) throws Exception {
        ServerServiceDefinition service = ServerServiceDefinition.builder("demo.Echo")
                .addMethod(BIDI, ServerCalls.asyncBidiStreamingCall(out -> new StreamObserver<String>() {
                    @Override
                    public void onNext(String value) {
                        if (seen != null) {
                            seen.add(value);
                        }
                        out.onNext("echo " + value);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        if (seen != null) {
                            shadowCallEnded.countDown();
                        }
                        out.onCompleted();
                    }
                }))
                .build();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service)
                .build().start();
        stack.own(server::shutdownNow);
        return server;
    }

    @Test
    void aLargeBodyStreamsToTheShadowWhileTheClientStillSendsIt() throws Exception {
        try (Socket s = new Socket("127.0.0.1", stack.port)) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /upload HTTP/1.1\r\nhost: shop.example\r\nx-mirror-to: shadow\r\ncontent-length: "
                    + BODY + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            CRC32 crc = new CRC32();
            Random random = new Random(11);
            byte[] chunk = new byte[64 * 1024];
            for (int sent = 0; sent < BODY; sent += chunk.length) {
                if (sent == BODY / 4) {
                    // The client holds the rest of its body until the shadow has the request's headers.
                    out.flush();
                    Map.Entry<String, Long> started = shadow.uploadsStarted.poll(10, TimeUnit.SECONDS);
                    assertNotNull(started, "the shadow starts before the request's body has all come");
                    assertEquals("shop.example-shadow", started.getKey());
                }
                random.nextBytes(chunk);
                crc.update(chunk);
                out.write(chunk);
            }
            out.flush();
            String expected = Long.toHexString(crc.getValue()) + " " + BODY;
            assertEquals(expected, responseBody(s.getInputStream()), "the client has the primary's answer");
            assertEquals(expected, primary.uploadsRead.poll(10, TimeUnit.SECONDS));
            assertEquals(expected, shadow.uploadsRead.poll(10, TimeUnit.SECONDS), "the shadow read the same body");
        }
    }

    @Test
    void aLargeHttp2BodyReachesThePrimaryAndTheShadowWhole() throws Exception {
        byte[] body = new byte[BODY];
        new Random(13).nextBytes(body);
        java.nio.file.Path file = java.nio.file.Files.write(TempPaths.file("h2", ".bin"), body);
        CRC32 crc = new CRC32();
        crc.update(body);
        String expected = Long.toHexString(crc.getValue()) + " " + BODY;
        Curl c = Curl.run("--http2-prior-knowledge", "--data-binary", "@" + file, "-H", "x-mirror-to: shadow",
                "-H", "content-type: application/octet-stream", stack.url("/upload"));
        assertEquals(200, c.status());
        assertEquals(expected, c.text());
        assertEquals(expected, primary.uploadsRead.poll(10, TimeUnit.SECONDS));
        Map.Entry<String, Long> started = shadow.uploadsStarted.poll(10, TimeUnit.SECONDS);
        assertNotNull(started);
        assertTrue(started.getKey().endsWith("-shadow:" + stack.port), started.getKey());
        assertEquals(expected, shadow.uploadsRead.poll(10, TimeUnit.SECONDS), "the shadow read the same body");
    }

    @Test
    void aMirrorClusterThatIsDownCostsThePrimaryNothing() throws Exception {
        double failures = proxy.stat("cluster.down.upstream_cx_connect_fail");
        for (int i = 0; i < 2; i++) {
            Curl small = Curl.run("-H", "x-mirror-to: down", stack.url("/small"));
            assertEquals(200, small.status());
            assertEquals("primary", small.text());
        }
        java.nio.file.Path file = TempPaths.file("large", ".bin");
        byte[] body = new byte[BODY];
        new Random(5).nextBytes(body);
        java.nio.file.Files.write(file, body);
        CRC32 crc = new CRC32();
        crc.update(body);
        Curl large = Curl.run("--data-binary", "@" + file, "-H", "x-mirror-to: down",
                "-H", "content-type: application/octet-stream", stack.url("/upload"));
        assertEquals(200, large.status());
        assertEquals(Long.toHexString(crc.getValue()) + " " + BODY, large.text());
        assertEquals(Long.toHexString(crc.getValue()) + " " + BODY, primary.uploadsRead.poll(10, TimeUnit.SECONDS));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (proxy.stat("cluster.down.upstream_cx_connect_fail") < failures + 3 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(failures + 3, proxy.stat("cluster.down.upstream_cx_connect_fail"),
                "each request, the large one too, was mirrored to the cluster that is down");
    }

    @Test
    void aMirrorThatNeverAnswersTimesOutAloneAfterTheRoutesTimeout() throws Exception {
        long start = System.nanoTime();
        Curl c = Curl.run("--data-binary", "some body", stack.url("/quick"));
        assertEquals(200, c.status());
        assertEquals("primary", c.text());
        assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(900), "the primary does not wait");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (proxy.stat("cluster.silent.upstream_rq_timeout") < 1 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(1.0, proxy.stat("cluster.silent.upstream_rq_timeout"), "the copy's own timeout is the route's");
        assertEquals(0.0, proxy.stat("cluster.silent.upstream_rq_active"));
    }

    @Test
    void aGrpcStreamReachesTheShadowMessageByMessage() throws Exception {
        BlockingQueue<String> answers = new LinkedBlockingQueue<>();
        CountDownLatch done = new CountDownLatch(1);
        Throwable[] error = new Throwable[1];
        StreamObserver<String> requests = ClientCalls.asyncBidiStreamingCall(
                channel.newCall(BIDI, io.grpc.CallOptions.DEFAULT), new StreamObserver<String>() {
                    @Override
                    public void onNext(String value) {
                        answers.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        error[0] = t;
                        done.countDown();
                    }

                    @Override
                    public void onCompleted() {
                        done.countDown();
                    }
                });
        for (int i = 0; i < 5; i++) {
            requests.onNext("m" + i);
            assertEquals("echo m" + i, answers.poll(10, TimeUnit.SECONDS));
            assertEquals("m" + i, shadowMessages.poll(10, TimeUnit.SECONDS),
                    "the shadow has each message while the call is still open");
        }
        requests.onCompleted();
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertEquals(null, error[0]);
        assertTrue(shadowCallEnded.await(10, TimeUnit.SECONDS), "the shadow's call ends with the client's");
        assertTrue(shadowMessages.isEmpty(), shadowMessages.toString());
    }

    /** The body of one HTTP/1.1 response with a content-length. */
    private static String responseBody(InputStream in) throws Exception {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            head.write(c);
            if (head.size() >= 4 && head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                break;
            }
        }
        String h = head.toString(StandardCharsets.US_ASCII);
        assertTrue(h.startsWith("HTTP/1.1 200"), h);
        int length = -1;
        for (String line : h.split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        assertTrue(length >= 0, h);
        return new String(in.readNBytes(length), StandardCharsets.US_ASCII);
    }
}

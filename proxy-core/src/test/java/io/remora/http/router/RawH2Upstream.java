package io.remora.http.router;

import io.remora.config.ClusterConfig;
import io.remora.http.testing.FixedCluster;
import io.remora.http.testing.HcmHarness;
import io.remora.http.testing.LeakCheck;
import io.remora.http.testing.TestServerContext;
import io.remora.server.Transport;
import io.remora.stats.ClusterStats;
import io.remora.testing.RawH2;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A listener and route through the proxy to one cluster whose upstream is a raw socket the test
 * plays HTTP/2 on ({@link RawH2} as the server): what the proxy's codec client sends and makes of
 * the exact frames it gets.
 */
final class RawH2Upstream implements AutoCloseable {
    static final Transport TRANSPORT = Transport.detect();

    final ServerSocket upstream;
    final TestServerContext ctx;
    private final HcmHarness hcm;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** Cluster "raw" of HTTP/2, the test's {@code settings} over the harness's. */
    RawH2Upstream(java.util.function.UnaryOperator<io.remora.config.ClusterConfigBuilder> settings) throws Exception {
        upstream = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        upstream.setSoTimeout(10_000);
        ctx = new TestServerContext(TRANSPORT);
        ClusterConfig cc = settings.apply(FixedCluster.config("raw", ClusterConfig.UpstreamProtocol.HTTP2).toBuilder())
                .build();
        ctx.add(new FixedCluster(cc, ctx.stats, FixedCluster.hosts(
                new InetSocketAddress("127.0.0.1", upstream.getLocalPort()))));
        hcm = new HcmHarness(TRANSPORT, ctx, new RouterFilterProvider(),
                List.of(HcmHarness.route("/", "raw", null, Duration.ofSeconds(10))));
    }

    RawH2Upstream() throws Exception {
        this(b -> b);
    }

    ClusterStats stats() {
        return ctx.stats.cluster("raw");
    }

    /** The proxy's connection to the upstream, its preface read and an empty SETTINGS sent. */
    RawH2 accept() throws IOException {
        return RawH2.accept(upstream);
    }

    CompletableFuture<HttpResponse<String>> get() {
        URI uri = URI.create("http://127.0.0.1:" + hcm.address().getPort() + "/p");
        return client.sendAsync(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(15)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The proxy's listener port. */
    int port() {
        return hcm.address().getPort();
    }

    /** A POST of {@code body} through the proxy. */
    CompletableFuture<HttpResponse<String>> post(byte[] body) {
        URI uri = URI.create("http://127.0.0.1:" + hcm.address().getPort() + "/p");
        return client.sendAsync(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(15))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Reads the proxy's frames up to a request's HEADERS (acking its SETTINGS): that stream's id. */
    static int awaitRequest(RawH2 up) throws Exception {
        for (RawH2.Frame f = up.read(); f != null; f = up.read()) {
            if (f.type() == RawH2.SETTINGS && (f.flags() & 1) == 0) {
                up.settingsAck().flush();
            }
            if (f.type() == RawH2.HEADERS) {
                return f.streamId();
            }
        }
        throw new AssertionError("no request from the proxy");
    }

    static RawH2 headers(RawH2 up, int stream, boolean end, String... fields) {
        return up.frame(RawH2.HEADERS, 0x4 | (end ? 1 : 0), stream, RawH2.block(fields));
    }

    /** The first RST_STREAM or GOAWAY the proxy sends, or null when none came before the read timeout or the close. */
    static RawH2.Frame awaitReset(RawH2 up) throws Exception {
        for (RawH2.Frame f = up.read(); f != null; f = up.read()) {
            if (f.type() == RawH2.RST_STREAM || f.type() == RawH2.GOAWAY) {
                return f;
            }
        }
        return null;
    }

    /** After a test: closes {@code proxy} when there is one, then fails on any ByteBuf left unreleased. */
    static void closeCheckingLeaks(RawH2Upstream proxy) throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        List<String> leaks = LeakCheck.leaks();
        assertTrue(leaks.isEmpty(), () -> "ByteBuf leaks: " + leaks);
    }

    @Override
    public void close() throws Exception {
        hcm.close();
        upstream.close();
    }
}

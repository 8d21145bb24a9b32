package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 200 MB each way through a proxy whose heap and direct memory are capped far below that, so a
 * proxy that held a body would fail; every byte is checked.
 */
class LargeBodyE2ETest {

    @RegisterExtension
    static final E2EStack stack = E2EStack.checkingLeaks();
    static final long SIZE = 200L * 1024 * 1024;
    static TestUpstream upstream;
    static ProxyProcess proxy;

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 404, "no"));
        String routes = """
                - match: { prefix: "/" }
                  route: { cluster: big, timeout: 120s }
                """;
        proxy = stack.start(stack.http(TempPaths.file("access", ".log").toString(),
                        routes, Bootstraps.cluster("big", false, null, upstream.port())),
                List.of("-Xmx48m", "-XX:MaxDirectMemorySize=48m"));
    }

    @Test
    void uploadStreamsEveryByte() throws Exception {
        CRC32 crc = new CRC32();
        Random random = new Random(7);
        // Generated as it is sent, so the test itself holds no 200 MB either.
        InputStreamSupplier body = () -> new InputStream() {
            long left = SIZE;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left == 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                byte[] chunk = new byte[n];
                random.nextBytes(chunk);
                crc.update(chunk);
                System.arraycopy(chunk, 0, b, off, n);
                left -= n;
                return n;
            }
        };
        HttpRequest req = HttpRequest.newBuilder(URI.create(stack.url("/upload")))
                .POST(HttpRequest.BodyPublishers.fromPublisher(
                        HttpRequest.BodyPublishers.ofInputStream(body::get), SIZE)).build();
        HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(req, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals(Long.toHexString(crc.getValue()) + " " + SIZE, r.body());
        assertTrue(proxy.process().isAlive());
    }

    @Test
    void downloadStreamsEveryByte() throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(stack.url("/download?bytes=" + SIZE + "&seed=3"))).build();
        HttpResponse<InputStream> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        CRC32 crc = new CRC32();
        long total = 0;
        try (InputStream in = r.body()) {
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) > 0; ) {
                crc.update(buf, 0, n);
                total += n;
            }
        }
        assertEquals(SIZE, total);
        assertEquals(TestUpstream.expectedCrc(SIZE, 3), crc.getValue());
        // Heap and direct memory are capped at 48 MB each; the process as a whole stays small too.
        assertTrue(proxy.peakRssKb() < 400_000, "peak RSS " + proxy.peakRssKb() + " kB");
    }

    private interface InputStreamSupplier {
        InputStream get();
    }
}

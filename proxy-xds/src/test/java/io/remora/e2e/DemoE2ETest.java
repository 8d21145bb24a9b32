package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code --demo} as the container image runs it: with REMORA_DEMO_ADMIN_ADDRESS=0.0.0.0 (the
 * Dockerfile's setting) its admin answers on the machine's own address, which is what
 * {@code docker run -p 9901:9901} forwards to; without it the admin stays on loopback.
 */
class DemoE2ETest {

    private static final int[] DEMO_PORTS = {9901, 10000, 18081, 18082, 18083};

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static InetAddress outsideAddress() throws IOException {
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nif.isUp() || nif.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
                    return a;
                }
            }
        }
        return null;
    }

    private static Process demo(String adminAddress, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), "io.remora.xds.Main", "--demo",
                "--concurrency", "1").redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("REMORA_DEMO_ADMIN_ADDRESS");
        if (adminAddress != null) {
            pb.environment().put("REMORA_DEMO_ADMIN_ADDRESS", adminAddress);
        }
        return pb.start();
    }

    /** The status of uri once it is 200 (the demo may answer 503 while it initializes), or the last one. */
    private static int await(URI uri, Process p, Path log) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int last = -1;
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("demo exited: " + Files.readString(log));
            }
            try {
                last = client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
                if (last == 200) {
                    return last;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        if (last >= 0) {
            return last;
        }
        throw new IllegalStateException("no answer from " + uri + ": " + Files.readString(log));
    }

    @Test
    void demoAdminReachableFromOutsideOnlyWhenTheImageAsksForIt() throws Exception {
        for (int port : DEMO_PORTS) {
            assumeTrue(free(port), "the demo's fixed port " + port + " is in use here");
        }
        InetAddress outside = outsideAddress();
        assumeTrue(outside != null, "no non-loopback IPv4 address on this machine");
        URI fromOutside = URI.create("http://" + outside.getHostAddress() + ":9901/ready");
        Path log = TempPaths.file("demo", ".log");

        Process p = demo("0.0.0.0", log);
        try {
            assertEquals(200, await(fromOutside, p, log));
            assertEquals(200, await(URI.create("http://" + outside.getHostAddress() + ":10000/"), p, log));
        } finally {
            p.destroy();
            p.waitFor(20, TimeUnit.SECONDS);
        }

        p = demo(null, log);
        try {
            assertEquals(200, await(URI.create("http://127.0.0.1:9901/ready"), p, log));
            assertThrows(IOException.class, () -> HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(fromOutside).build(), HttpResponse.BodyHandlers.ofString()),
                    "the laptop demo keeps its admin on loopback");
        } finally {
            p.destroy();
            p.waitFor(20, TimeUnit.SECONDS);
        }
    }
}

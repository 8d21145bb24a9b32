package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The bootstrap's {@code flags_path} through a real proxy process: a {@code drain} file there starts the server
 * with its health check failed (/ready answers 503 DRAINING) until the admin's {@code /healthcheck/ok}.
 */
class FlagsPathE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static final HttpClient client = HttpClient.newHttpClient();

    static HttpResponse<String> admin(String path, boolean post) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + stack.adminPort + path));
        return client.send((post ? b.POST(HttpRequest.BodyPublishers.noBody()) : b).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aDrainFileStartsTheServerWithItsHealthCheckFailed() throws Exception {
        Path flags = TempPaths.directory("flags");
        Files.createFile(flags.resolve("drain"));
        String yaml = ProxyProcess.render("""
                flags_path: ${FLAGS}
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: ${ADMIN} } }
                """, Map.of("FLAGS", flags, "ADMIN", stack.adminPort));
        // The start-up wait asks /ready for 200: a server up but failing its health check counts as up here.
        ProxyProcess.Launch local = ProxyProcess.Launch.local();
        ProxyProcess.Launch upIfDraining = new ProxyProcess.Launch(local.prefix(), local.classpath(), (port, path) -> {
            ProxyProcess.AdminResponse r = local.admin().get(port, path);
            return path.equals("/ready") && r.body().equals("DRAINING\n") ? new ProxyProcess.AdminResponse(200, r.body()) : r;
        });
        stack.own(ProxyProcess.start(upIfDraining, yaml, stack.adminPort, List.of("-Xmx256m")));

        HttpResponse<String> ready = admin("/ready", false);
        assertEquals(503, ready.statusCode(), ready.body());
        assertEquals("DRAINING\n", ready.body());
        assertEquals(200, admin("/healthcheck/ok", true).statusCode());
        ready = admin("/ready", false);
        assertEquals(200, ready.statusCode(), ready.body());
        assertEquals("LIVE\n", ready.body());
    }
}

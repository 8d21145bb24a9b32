package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The request signing filter with credentials from the EC2 instance metadata at its real address,
 * 169.254.169.254:80: a network namespace of the test's holds that address and a Python HTTP server
 * answering as IMDS (a session token for the PUT, then the role, then its credentials, each GET
 * refused without the token); the host reaches it through a veth pair and a /32 route, all removed
 * afterwards. Needs root and {@code ip}; skipped otherwise.
 */
class AwsInstanceMetadataE2ETest {

    private static final String IMDS_SERVER = """
            import http.server, json, sys
            class H(http.server.BaseHTTPRequestHandler):
                def answer(self, code, body):
                    b = body.encode()
                    self.send_response(code)
                    self.send_header('content-length', str(len(b)))
                    self.end_headers()
                    self.wfile.write(b)
                def do_PUT(self):
                    ttl = self.headers.get('X-aws-ec2-metadata-token-ttl-seconds')
                    ok = self.path == '/latest/api/token' and ttl == '21600'
                    self.answer(200 if ok else 400, 'imds-session-token' if ok else '')
                def do_GET(self):
                    if self.headers.get('X-aws-ec2-metadata-token') != 'imds-session-token':
                        return self.answer(401, '')
                    if self.path == '/latest/meta-data/iam/security-credentials':
                        return self.answer(200, 'node-role\\n')
                    if self.path == '/latest/meta-data/iam/security-credentials/node-role':
                        return self.answer(200, json.dumps({'Code': 'Success', 'AccessKeyId': 'AKIDIMDS',
                            'SecretAccessKey': 'imdssecret', 'Token': 'imdssession'}))
                    self.answer(404, '')
                def log_message(self, fmt, *args):
                    print(self.command, self.path, flush=True)
            http.server.HTTPServer(('169.254.169.254', 80), H).serve_forever()
            """;

    @RegisterExtension
    static final E2EStack stack = E2EStack.checkingLeaks();
    static final AtomicReference<SigV4Check> received = new AtomicReference<>();
    static final String ID = Long.toString(ProcessHandle.current().pid() % 100_000);
    static final String NS = "remora-imds-" + ID;
    static final String HOST_SIDE = "rimdsh" + ID;
    static final String NS_SIDE = "rimdsn" + ID;
    static final List<String[]> undo = new ArrayList<>();
    static Process imds;
    static Path imdsLog;
    static ProxyProcess proxy;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && run("ip", "netns", "list") == 0,
                "needs root and ip netns");
        assumeTrue(run("python3", "-c", "pass") == 0, "needs python3");
        assertEquals(0, run("ip", "netns", "add", NS));
        undo.add(0, new String[]{"ip", "netns", "del", NS});
        assertEquals(0, run("ip", "link", "add", HOST_SIDE, "type", "veth", "peer", "name", NS_SIDE));
        undo.add(0, new String[]{"ip", "link", "del", HOST_SIDE});
        assertEquals(0, run("ip", "link", "set", NS_SIDE, "netns", NS));
        assertEquals(0, run("ip", "addr", "add", "10.254.169.1/30", "dev", HOST_SIDE));
        assertEquals(0, run("ip", "link", "set", HOST_SIDE, "up"));
        assertEquals(0, inNs("ip", "addr", "add", "10.254.169.2/30", "dev", NS_SIDE));
        assertEquals(0, inNs("ip", "link", "set", NS_SIDE, "up"));
        assertEquals(0, inNs("ip", "link", "set", "lo", "up"));
        assertEquals(0, inNs("ip", "addr", "add", "169.254.169.254/32", "dev", "lo"));
        assertEquals(0, run("ip", "route", "add", "169.254.169.254/32", "via", "10.254.169.2", "dev", HOST_SIDE));
        undo.add(0, new String[]{"ip", "route", "del", "169.254.169.254/32", "via", "10.254.169.2"});
        Path script = TempPaths.file("imds", ".py");
        Files.writeString(script, IMDS_SERVER);
        imdsLog = TempPaths.file("imds", ".log");
        imds = new ProcessBuilder("ip", "netns", "exec", NS, "python3", script.toString())
                .redirectErrorStream(true).redirectOutput(imdsLog.toFile()).start();
        awaitImds();

        TestUpstream app = stack.upstream((ctx, req, n) -> {
            received.set(SigV4Check.of(req));
            TestUpstream.send(ctx, req, 200, "ok");
        });
        String filters = """
                - name: envoy.filters.http.aws_request_signing
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.aws_request_signing.v3.AwsRequestSigning
                    service_name: svc
                    region: us-east-1
                """;
        String routes = """
                - match: { prefix: "/" }
                  route: { cluster: app }
                """;
        String yaml = stack.http(TempPaths.file("aws-imds-access", ".log").toString(), routes,
                Bootstraps.cluster("app", false, null, app.port()), "", filters);
        ProxyProcess.Launch local = ProxyProcess.Launch.local();
        ProxyProcess.Launch defaultChainOnly = new ProxyProcess.Launch(List.of("env", "-u", "AWS_ACCESS_KEY_ID",
                "-u", "AWS_PROFILE", "-u", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "-u", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "-u", "AWS_WEB_IDENTITY_TOKEN_FILE",
                "-u", "AWS_EC2_METADATA_DISABLED", "HOME=/nonexistent"), local.classpath(), local.admin());
        proxy = ProxyProcess.start(defaultChainOnly, yaml, stack.adminPort, List.of("-Xmx256m"));
        stack.own(proxy::closeCheckingLeaks);
    }

    private static void awaitImds() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("169.254.169.254", 80), 1000);
                return;
            } catch (IOException e) {
                assertTrue(System.nanoTime() < deadline && imds.isAlive(), "the IMDS stand-in listens: "
                        + Files.readString(imdsLog));
                Thread.sleep(100);
            }
        }
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (imds != null) {
            imds.destroy();
            imds.waitFor(10, TimeUnit.SECONDS);
        }
        for (String[] command : undo) {
            run(command);
        }
    }

    private static int inNs(String... command) throws Exception {
        String[] full = new String[command.length + 4];
        full[0] = "ip";
        full[1] = "netns";
        full[2] = "exec";
        full[3] = NS;
        System.arraycopy(command, 0, full, 4, command.length);
        return run(full);
    }

    private static int run(String... command) throws Exception {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int rc = p.waitFor();
            if (rc != 0) {
                System.err.println(String.join(" ", command) + ": " + out);
            }
            return rc;
        } catch (IOException e) {
            return -1; // not installed
        }
    }

    @Test
    void signsWithTheInstanceRoleCredentialsFetchedWithAnImdsV2Token() throws Exception {
        Curl r = Curl.run(stack.url("/bucket/key"));
        assertEquals(200, r.status());
        SigV4Check req = received.get();
        String[] auth = req.authorization();
        assertEquals(List.of("AKIDIMDS", "us-east-1", "svc"), List.of(auth[0], auth[2], auth[3]));
        assertEquals("imdssession", req.header("x-amz-security-token"));
        assertEquals(req.expectedSignature("imdssecret"), auth[5]);
        assertEquals(List.of("PUT /latest/api/token", "GET /latest/meta-data/iam/security-credentials",
                "GET /latest/meta-data/iam/security-credentials/node-role"),
                Files.readAllLines(imdsLog).stream().filter(l -> l.startsWith("PUT") || l.startsWith("GET")).toList());
        assertEquals(1, proxy.metric("envoy_aws_metadata_credentials_provider_ec2_instance_metadata_server_internal_"
                + "credential_refreshes_succeeded"));
    }
}

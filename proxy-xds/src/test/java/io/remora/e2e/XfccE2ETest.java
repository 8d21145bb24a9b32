package io.remora.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code x-forwarded-client-cert} as Envoy's {@code mutateXfccRequestHeader} and
 * test/integration/xfcc_integration_test.cc build it, with curl presenting a client certificate
 * made by openssl: the subject as BoringSSL prints it in RFC 2253 form (OpenSSL's short names such
 * as emailAddress, RFC 2253 escapes kept as they are inside the quotes, UTF-8 bytes as \XX), which
 * {@code openssl x509 -nameopt RFC2253} prints the same way, so openssl is the oracle.
 */
class XfccE2ETest {

    static Path dir;
    static ProxyProcess proxy;
    static TestUpstream upstream;
    static final Map<String, Integer> PORTS = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        dir = io.remora.testing.TempPaths.directory("xfcc");
        OpenSslCli.run(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca-key.pem", "-out", "ca.pem", "-days", "1", "-subj", "/CN=xfcc-ca",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        issue("server", "/CN=xfcc-server", "URI:spiffe://lyft.com/backend-team, IP:127.0.0.1");
        issue("client", "/C=US/ST=California/L=San Francisco/O=Lyft/OU=Lyft Engineering"
                        + "/CN=Test \"Frontend\" Team, Zürich/emailAddress=frontend-team@lyft.com",
                "URI:spiffe://lyft.com/frontend-team, DNS:lyft.com, DNS:www.lyft.com");
        // Each response's body: every x-forwarded-client-cert line the upstream got, one per line.
        upstream = TestUpstream.start((ctx, req, n) -> TestUpstream.send(ctx, req, 200,
                String.join("\n", req.headers().getAll("x-forwarded-client-cert"))));
        String tls = Bootstraps.downstreamMtls(dir);
        String route = "- match: { prefix: / }\n  route: { cluster: up }\n";
        List<String> listeners = new ArrayList<>();
        for (String[] l : new String[][]{
                {"subject", "forward_client_cert_details: SANITIZE_SET\n"
                        + "set_current_client_cert_details: { subject: true, uri: true, dns: true }"},
                {"append", "forward_client_cert_details: APPEND_FORWARD\nset_current_client_cert_details: { uri: true }"}}) {
            PORTS.put(l[0], ProxyProcess.freePort());
            listeners.add(Bootstraps.httpListener(l[0], tls, l[1], route));
        }
        int admin = ProxyProcess.freePort();
        proxy = ProxyProcess.start(Bootstraps.listeners(admin, String.join("\n", listeners),
                Bootstraps.cluster("up", false, null, upstream.port()), PORTS), admin);
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    private static void issue(String name, String subject, String san) throws Exception {
        Files.writeString(dir.resolve(name + ".ext"), "subjectAltName=" + san + "\n");
        OpenSslCli.run(dir, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-utf8",
                "-keyout", name + "-key.pem", "-out", name + ".csr", "-subj", subject);
        OpenSslCli.run(dir, "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem",
                "-CAcreateserial", "-out", name + "-cert.pem", "-days", "1", "-extfile", name + ".ext");
    }

    /** What openssl prints for the client certificate: {@code -subject -nameopt RFC2253} or {@code -fingerprint -sha256}. */
    private static String openssl(String... what) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl", "x509", "-in", dir.resolve("client-cert.pem").toString(),
                "-noout"));
        cmd.addAll(List.of(what));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(cmd + ": " + out);
        }
        return out.substring(out.indexOf('=') + 1);
    }

    private static Curl curl(String listener, String... headers) throws Exception {
        List<String> args = new ArrayList<>(List.of("--cacert", dir.resolve("ca.pem").toString(),
                "--cert", dir.resolve("client-cert.pem").toString(), "--key", dir.resolve("client-key.pem").toString()));
        for (String h : headers) {
            args.add("-H");
            args.add(h);
        }
        args.add("https://127.0.0.1:" + PORTS.get(listener) + "/");
        Curl c = Curl.run(args.toArray(String[]::new));
        assertEquals(200, c.status(), c.text());
        return c;
    }

    private static String hash() throws Exception {
        return HexFormat.of().formatHex(HexFormat.ofDelimiter(":").parseHex(openssl("-fingerprint", "-sha256")));
    }

    @Test
    void subjectAsBoringSslPrintsIt() throws Exception {
        String subject = openssl("-subject", "-nameopt", "RFC2253");
        // The oracle itself: OpenSSL's short name, its escapes, and UTF-8 as \XX.
        assertEquals("emailAddress=frontend-team@lyft.com,CN=Test \\\"Frontend\\\" Team\\, Z\\C3\\BCrich,"
                + "OU=Lyft Engineering,O=Lyft,L=San Francisco,ST=California,C=US", subject);
        assertEquals("By=spiffe://lyft.com/backend-team;Hash=" + hash() + ";Subject=\"" + subject + "\""
                        + ";URI=spiffe://lyft.com/frontend-team;DNS=lyft.com;DNS=www.lyft.com",
                curl("subject", "x-forwarded-client-cert: By=spiffe://forged").text());
    }

    /**
     * Two x-forwarded-client-cert lines on an HTTP/1.1 request are one header to Envoy (its header
     * map joins an inline header's repeats with ','), so APPEND_FORWARD keeps both before its own
     * element: none of the chain of proxies is dropped.
     */
    @Test
    void appendForwardKeepsEveryIncomingLine() throws Exception {
        assertEquals("By=spiffe://a;Hash=1,By=spiffe://b;Hash=2,By=spiffe://lyft.com/backend-team;Hash=" + hash()
                        + ";URI=spiffe://lyft.com/frontend-team",
                curl("append", "x-forwarded-client-cert: By=spiffe://a;Hash=1",
                        "x-forwarded-client-cert: By=spiffe://b;Hash=2").text());
    }
}

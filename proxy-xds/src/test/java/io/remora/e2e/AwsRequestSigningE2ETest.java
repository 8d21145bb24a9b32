package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The AWS request signing filter through a real proxy whose environment holds AWS credentials,
 * region and credentials file: the upstream records each request and the test recomputes its
 * SigV4 signature on its own ({@link SigV4Check}). Covers the default chain (environment), a
 * route's custom chain reading a profile of the credentials file, inline credentials with an
 * unsigned payload, a presigned query string, body hashing, the counters, and a credentials data
 * source re-read when its watched_directory sees the kubelet's symlink swap.
 */
class AwsRequestSigningE2ETest {

    @RegisterExtension
    static final E2EStack stack = E2EStack.checkingLeaks();
    static final AtomicReference<SigV4Check> received = new AtomicReference<>();
    static ProxyProcess proxy;
    /** A Kubernetes-style mount: credentials -> ..data/credentials, ..data -> the current version's directory. */
    static Path mount;

    @BeforeAll
    static void start() throws Exception {
        mount = TempPaths.directory("aws-mount");
        publishCredentials("..v1", "AKIDWATCHED1", "watchedsecret1");
        Files.createSymbolicLink(mount.resolve("credentials"), Path.of("..data/credentials"));
        TestUpstream upstream = stack.upstream((ctx, req, n) -> {
            received.set(SigV4Check.of(req));
            TestUpstream.send(ctx, req, 200, "ok");
        });
        Path credentials = TempPaths.file("aws-credentials", "");
        Files.writeString(credentials, """
                [default]
                aws_access_key_id = AKIDFILEDEFAULT
                aws_secret_access_key = defaultsecret

                [other]
                aws_access_key_id=AKIDFILEOTHER
                  aws_secret_access_key =  othersecret
                """);
        String filters = """
                - name: envoy.filters.http.aws_request_signing
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.aws_request_signing.v3.AwsRequestSigning
                    service_name: svc
                    host_rewrite: svc.eu-west-1.amazonaws.com
                    match_excluded_headers:
                    - prefix: x-unsigned
                """;
        String routes = fileRoute("file", "fileroute", "{ profile: other }")
                + fileRoute("watched", "watched", "{ credentials_data_source: { filename: \"" + mount.resolve("credentials")
                        + "\", watched_directory: { path: \"" + mount + "\" } } }")
                + missingFileRoute("missingfile", "other") + missingFileRoute("noprofile", "absent") + """
                - match: { prefix: "/inline" }
                  route: { cluster: app }
                  typed_per_filter_config:
                    envoy.filters.http.aws_request_signing:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.aws_request_signing.v3.AwsRequestSigningPerRoute
                      stat_prefix: inline.
                      aws_request_signing:
                        service_name: execute-api
                        region: ap-south-1
                        use_unsigned_payload: true
                        credential_provider:
                          inline_credential: { access_key_id: AKIDINLINE, secret_access_key: inlinesecret, session_token: inlinetoken }
                - match: { prefix: "/presigned" }
                  route: { cluster: app }
                  typed_per_filter_config:
                    envoy.filters.http.aws_request_signing:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.aws_request_signing.v3.AwsRequestSigningPerRoute
                      stat_prefix: presigned.
                      aws_request_signing:
                        service_name: s3
                        region: us-east-1
                        query_string: { expiration_time: 60s }
                        credential_provider:
                          inline_credential: { access_key_id: AKIDQUERY, secret_access_key: querysecret }
                - match: { prefix: "/" }
                  route: { cluster: app }
                """;
        String yaml = stack.http(TempPaths.file("aws-access", ".log").toString(), routes,
                Bootstraps.cluster("app", false, null, upstream.port()), "", filters);
        ProxyProcess.Launch local = ProxyProcess.Launch.local();
        ProxyProcess.Launch withAwsEnvironment = new ProxyProcess.Launch(List.of("env",
                "AWS_ACCESS_KEY_ID=AKIDENV", "AWS_SECRET_ACCESS_KEY=envsecret", "AWS_SESSION_TOKEN=envtoken",
                "AWS_REGION=eu-west-1", "AWS_SHARED_CREDENTIALS_FILE=" + credentials), local.classpath(), local.admin());
        proxy = ProxyProcess.start(withAwsEnvironment, yaml, stack.adminPort, List.of("-Xmx256m"));
        stack.own(proxy::closeCheckingLeaks);
    }

    /** A route signing with a credentials file whose data source is missing, and {@code profile}. */
    private static String missingFileRoute(String name, String profile) {
        return fileRoute(name, name, "{ credentials_data_source: { filename: /nonexistent/aws-credentials }, profile: "
                + profile + " }");
    }

    /** A route signing for s3 in us-west-2 with a custom chain of this {@code credentials_file_provider} (YAML flow). */
    private static String fileRoute(String prefix, String statPrefix, String credentialsFileProvider) {
        return """
                - match: { prefix: "/%s" }
                  route: { cluster: app }
                  typed_per_filter_config:
                    envoy.filters.http.aws_request_signing:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.aws_request_signing.v3.AwsRequestSigningPerRoute
                      stat_prefix: %s.
                      aws_request_signing:
                        service_name: s3
                        region: us-west-2
                        credential_provider:
                          custom_credential_provider_chain: true
                          credentials_file_provider: %s
                """.formatted(prefix, statPrefix, credentialsFileProvider);
    }

    /** Writes a credentials file into {@code version} and swaps ..data to it as the kubelet does (a rename). */
    private static void publishCredentials(String version, String keyId, String secret) throws Exception {
        Path dir = Files.createDirectories(mount.resolve(version));
        Files.writeString(dir.resolve("credentials"), "[default]\naws_access_key_id = " + keyId
                + "\naws_secret_access_key = " + secret + "\n");
        Path tmp = mount.resolve("..data_tmp");
        Files.createSymbolicLink(tmp, Path.of(version));
        Files.move(tmp, mount.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static String metric(String name) {
        return name + "{envoy_http_conn_manager_prefix=\"ingress\"}";
    }

    @Test
    void environmentCredentialsAndRegionSignTheHeaders() throws Exception {
        double added = proxy.metric(metric("envoy_http_aws_request_signing_signing_added"));
        Curl r = Curl.run("-H", "x-unsigned-note: changes on the way", "-H", "x-custom:  two   spaces ",
                stack.url("/obj/a?b=2&a=1"));
        assertEquals(200, r.status());
        SigV4Check req = received.get();
        assertEquals("svc.eu-west-1.amazonaws.com", req.header("host"), "host_rewrite");
        String[] auth = req.authorization();
        assertEquals(List.of("AKIDENV", "eu-west-1", "svc"), List.of(auth[0], auth[2], auth[3]));
        assertEquals(auth[1], req.header("x-amz-date").substring(0, 8));
        List<String> signed = List.of(auth[4].split(";"));
        assertTrue(signed.containsAll(List.of("host", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token",
                "x-custom")), auth[4]);
        for (String excluded : List.of("x-unsigned-note", "x-forwarded-proto", "x-forwarded-for")) {
            assertFalse(signed.contains(excluded), excluded + " in " + auth[4]);
        }
        assertEquals("envtoken", req.header("x-amz-security-token"));
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                req.header("x-amz-content-sha256"));
        assertEquals(req.expectedSignature("envsecret"), auth[5]);
        assertEquals(added + 1, proxy.metric(metric("envoy_http_aws_request_signing_signing_added")));
    }

    @Test
    void chunkedBodyIsBufferedAndItsHashSigned() throws Exception {
        double payload = proxy.metric(metric("envoy_http_aws_request_signing_payload_signing_added"));
        byte[] body = new byte[200_000];
        new Random(7).nextBytes(body);
        Path file = TempPaths.file("aws-body", ".bin");
        Files.write(file, body);
        Curl r = Curl.run("-H", "Transfer-Encoding: chunked", "-H", "Expect:", "--data-binary", "@" + file,
                stack.url("/put/object"));
        assertEquals(200, r.status());
        SigV4Check req = received.get();
        assertEquals(SigV4Check.hex(MessageDigest.getInstance("SHA-256").digest(body)), req.header("x-amz-content-sha256"));
        assertEquals(body.length, req.body().length);
        assertEquals(req.expectedSignature("envsecret"), req.authorization()[5]);
        assertEquals(payload + 1, proxy.metric(metric("envoy_http_aws_request_signing_payload_signing_added")));
    }

    @Test
    void routeReadsAProfileOfTheCredentialsFile() throws Exception {
        Curl r = Curl.run("--data-binary", "key=value", stack.url("/file/x"));
        assertEquals(200, r.status());
        SigV4Check req = received.get();
        String[] auth = req.authorization();
        assertEquals(List.of("AKIDFILEOTHER", "us-west-2", "s3"), List.of(auth[0], auth[2], auth[3]));
        assertNull(req.header("x-amz-security-token"), "the profile has no session token");
        assertEquals("127.0.0.1:" + stack.port, req.header("host"), "the route's config has no host_rewrite");
        assertEquals(req.expectedSignature("othersecret"), auth[5]);
        assertTrue(proxy.metric("envoy_fileroute_aws_request_signing_payload_signing_added") >= 1,
                "a route's counters are under its stat_prefix");
    }

    /**
     * Envoy logs "Invalid credential file data source" and reads the shared credentials file instead; a profile
     * it lacks leaves no credentials and the request goes on unsigned.
     */
    @Test
    void missingCredentialsFileFallsBackToTheSharedFileAndElseGoesUnsigned() throws Exception {
        assertEquals(200, Curl.run(stack.url("/missingfile/x")).status());
        String[] auth = received.get().authorization();
        assertEquals(List.of("AKIDFILEOTHER", "us-west-2", "s3"), List.of(auth[0], auth[2], auth[3]));
        assertEquals(received.get().expectedSignature("othersecret"), auth[5]);
        assertEquals(200, Curl.run(stack.url("/noprofile/x")).status());
        assertNull(received.get().header("authorization"), "no credentials: unsigned");
    }

    /**
     * A credentials_data_source with a watched_directory (Envoy's DataSourceProvider): the file is read again when
     * the kubelet's ..data symlink is swapped, and the next request is signed with the new key.
     */
    @Test
    void watchedCredentialsDataSourceIsReadAgainAfterASymlinkSwap() throws Exception {
        assertEquals(200, Curl.run(stack.url("/watched/x")).status());
        String[] auth = received.get().authorization();
        assertEquals("AKIDWATCHED1", auth[0]);
        assertEquals(received.get().expectedSignature("watchedsecret1"), auth[5]);

        publishCredentials("..v2", "AKIDWATCHED2", "watchedsecret2");
        long deadline = System.nanoTime() + 10_000_000_000L;
        do {
            Thread.sleep(50);
            assertEquals(200, Curl.run(stack.url("/watched/x")).status());
            auth = received.get().authorization();
        } while (!auth[0].equals("AKIDWATCHED2") && System.nanoTime() < deadline);
        assertEquals("AKIDWATCHED2", auth[0], "the new key signs after the swap");
        assertEquals(received.get().expectedSignature("watchedsecret2"), auth[5]);
    }

    @Test
    void unsignedPayloadSignsTheHeadersOnly() throws Exception {
        Curl r = Curl.run("--data-binary", "not hashed", stack.url("/inline/y"));
        assertEquals(200, r.status());
        SigV4Check req = received.get();
        assertEquals("UNSIGNED-PAYLOAD", req.header("x-amz-content-sha256"));
        assertEquals("inlinetoken", req.header("x-amz-security-token"));
        String[] auth = req.authorization();
        assertEquals(List.of("AKIDINLINE", "ap-south-1", "execute-api"), List.of(auth[0], auth[2], auth[3]));
        assertEquals(req.expectedSignature("inlinesecret"), auth[5]);
        assertEquals("not hashed", new String(req.body()));
    }

    @Test
    void queryStringPresignsTheUrl() throws Exception {
        Curl r = Curl.run(stack.url("/presigned/o?k=v"));
        assertEquals(200, r.status());
        SigV4Check req = received.get();
        assertNull(req.header("authorization"));
        String uri = req.uri();
        assertTrue(uri.startsWith("/presigned/o?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDQUERY%2F"), uri);
        assertTrue(uri.contains("%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date="), uri);
        assertTrue(uri.contains("&X-Amz-Expires=60&X-Amz-Signature="), uri);
        String date = uri.replaceAll(".*X-Amz-Date=([0-9TZ]+).*", "$1");
        String signedHeaders = uri.replaceAll(".*X-Amz-SignedHeaders=([A-Za-z0-9%-]+).*", "$1").replace("%3B", ";");
        String signature = uri.replaceAll(".*X-Amz-Signature=([0-9a-f]{64}).*", "$1");
        assertTrue(uri.endsWith("&k=v"), uri);
        String canonical = req.canonical(signedHeaders.split(";"), req.header("x-amz-content-sha256"), "s3");
        assertEquals(SigV4Check.sign("querysecret", date.substring(0, 8), "us-east-1", "s3", date, canonical),
                signature);
    }
}

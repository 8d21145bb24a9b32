package io.remora.extensions.common.aws;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.common.aws.v3.AssumeRoleWithWebIdentityCredentialProvider;
import io.envoyproxy.envoy.extensions.common.aws.v3.AwsCredentialProvider;
import io.envoyproxy.envoy.extensions.common.aws.v3.CredentialsFileCredentialProvider;
import io.remora.e2e.TestUpstream;
import io.remora.testing.TempPaths;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The network credential providers against real HTTP servers on 127.0.0.1: the container endpoint
 * (its token, the answer's fields and expiration, the refresh before it, a failing endpoint), the
 * instance metadata's IMDSv2 steps and IMDSv1 fallback (its address given to the provider, as only
 * tests do), STS web identity's request and answer, a chain holding requests until a fetch ends, and
 * the chains the translator builds.
 */
class MetadataCredentialsProviderTest {

    private final List<TestUpstream> servers = new CopyOnWriteArrayList<>();
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final SimpleMeterRegistry stats = new SimpleMeterRegistry();

    @AfterEach
    void close() {
        servers.forEach(TestUpstream::close);
    }

    private URI serve(TestUpstream.Responder r) throws InterruptedException {
        TestUpstream s = TestUpstream.start((ctx, req, n) -> {
            seen.add(req.method() + " " + req.uri() + " auth=" + req.headers().get("authorization")
                    + " token=" + req.headers().get("x-aws-ec2-metadata-token")
                    + " ttl=" + req.headers().get("x-aws-ec2-metadata-token-ttl-seconds")
                    + " accept=" + req.headers().get("accept"));
            r.respond(ctx, req, n);
        });
        servers.add(s);
        return URI.create("http://127.0.0.1:" + s.port());
    }

    private static void awaitSettled(AwsCredentialsProvider p) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        if (p.whenReady(done::countDown)) {
            assertTrue(done.await(30, TimeUnit.SECONDS), "the fetch ends");
        }
    }

    private AwsCredentialsChain started(MetadataCredentialsProvider p) throws InterruptedException {
        AwsCredentialsChain chain = new AwsCredentialsChain(List.of(p));
        assertTrue(chain.pending(), "pending before the first fetch");
        chain.start(stats);
        awaitSettled(chain);
        return chain;
    }

    @Test
    void containerEndpointWithTokenFileAndExpiration() throws Exception {
        String expiration = Instant.now().plusSeconds(3600).toString();
        URI base = serve((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "{\"AccessKeyId\":\"AKIDC\","
                + "\"SecretAccessKey\":\"cs\",\"Token\":\"ct\",\"Expiration\":\"" + expiration + "\"}"));
        Path tokenFile = TempPaths.file("eks-token", "");
        Files.writeString(tokenFile, "podtoken\n");
        AwsCredentialsChain chain = started(new ContainerCredentialsProvider(base.resolve("/v1/credentials"), "",
                tokenFile.toString()));
        assertEquals(new AwsCredentials("AKIDC", "cs", "ct"), chain.credentials());
        assertFalse(chain.pending());
        assertEquals("GET /v1/credentials auth=podtoken token=null ttl=null accept=null", seen.get(0));
    }

    @Test
    void containerCredentialsAreRefreshedBeforeTheyExpire() throws Exception {
        URI base = serve((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "{\"AccessKeyId\":\"AKID" + n
                + "\",\"SecretAccessKey\":\"s\",\"Token\":\"t\",\"Expiration\":\""
                + Instant.now().plusSeconds(7) + "\"}"));
        AwsCredentialsChain chain = started(new ContainerCredentialsProvider(base, "configured", null));
        assertEquals("AKID1", chain.credentials().accessKeyId());
        assertEquals("GET / auth=configured token=null ttl=null accept=null", seen.get(0));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (chain.credentials() == null || chain.credentials().accessKeyId().equals("AKID1")) {
            assertTrue(System.nanoTime() < deadline, "refreshed 5 s before the expiration");
            Thread.sleep(50);
        }
        assertEquals("AKID2", chain.credentials().accessKeyId());
    }

    @Test
    void failingEndpointLeavesNoCredentialsAfterRetries() throws Exception {
        URI base = serve((ctx, req, n) -> TestUpstream.send(ctx, req, 503, "busy"));
        AwsCredentialsChain chain = started(new ContainerCredentialsProvider(base, "", null));
        assertNull(chain.credentials(), "requests go unsigned");
        assertFalse(chain.pending(), "and no longer wait");
        assertEquals(1 + AwsMetadataFetcher.MAX_RETRIES, seen.size(), "5xx answers are retried 3 times");
        String prefix = "envoy_aws_metadata_credentials_provider_ecs_task_metadata_server_internal_";
        assertEquals(1, stats.counter(prefix + "credential_refreshes_performed").count());
        assertEquals(1, stats.counter(prefix + "credential_refreshes_failed").count());
        assertEquals(0, stats.counter(prefix + "credential_refreshes_succeeded").count());
        assertEquals(0, stats.get(prefix + "metadata_refresh_state").gauge().value(), "still first refresh");
    }

    @Test
    void instanceMetadataTokenThenRoleThenCredentials() throws Exception {
        URI base = serve((ctx, req, n) -> {
            switch (req.uri()) {
                case "/latest/api/token" -> TestUpstream.send(ctx, req, 200, "imdstoken");
                case "/latest/meta-data/iam/security-credentials" ->
                        TestUpstream.send(ctx, req, 200, "web-role\nother\n");
                case "/latest/meta-data/iam/security-credentials/web-role" -> TestUpstream.send(ctx, req, 200,
                        "{\"Code\":\"Success\",\"AccessKeyId\":\"AKIDI\",\"SecretAccessKey\":\"is\",\"Token\":\"it\"}");
                default -> TestUpstream.send(ctx, req, 404, "");
            }
        });
        AwsCredentialsChain chain = started(new InstanceProfileCredentialsProvider(base));
        assertEquals(new AwsCredentials("AKIDI", "is", "it"), chain.credentials());
        assertEquals(List.of("PUT /latest/api/token auth=null token=null ttl=21600 accept=null",
                "GET /latest/meta-data/iam/security-credentials auth=null token=imdstoken ttl=null accept=null",
                "GET /latest/meta-data/iam/security-credentials/web-role auth=null token=imdstoken ttl=null "
                        + "accept=null"),
                seen);
    }

    @Test
    void instanceMetadataFallsBackToImdsV1WithoutAToken() throws Exception {
        URI base = serve((ctx, req, n) -> {
            switch (req.uri()) {
                case "/latest/meta-data/iam/security-credentials" -> TestUpstream.send(ctx, req, 200, "role");
                case "/latest/meta-data/iam/security-credentials/role" -> TestUpstream.send(ctx, req, 200,
                        "{\"AccessKeyId\":\"AKIDV1\",\"SecretAccessKey\":\"s\"}");
                default -> TestUpstream.send(ctx, req, 403, "");
            }
        });
        InstanceProfileCredentialsProvider p = new InstanceProfileCredentialsProvider(base);
        p.start(stats);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (p.credentials() == null) {
            assertTrue(System.nanoTime() < deadline, "credentials without the token");
            Thread.sleep(20);
        }
        assertEquals(new AwsCredentials("AKIDV1", "s", null), p.credentials());
        assertEquals("GET /latest/meta-data/iam/security-credentials auth=null token=null ttl=null accept=null",
                seen.get(1));
    }

    @Test
    void webIdentityAsksStsForJsonAndReadsItsCredentials() throws Exception {
        long exp = Instant.now().plusSeconds(3600).getEpochSecond();
        URI base = serve((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "{\"AssumeRoleWithWebIdentityResponse\":"
                + "{\"AssumeRoleWithWebIdentityResult\":{\"Credentials\":{\"AccessKeyId\":\"AKIDW\","
                + "\"SecretAccessKey\":\"ws\",\"SessionToken\":\"wt\",\"Expiration\":" + exp + "}}}}"));
        Path token = TempPaths.file("web-token", "");
        Files.writeString(token, "eyJ.jwt~x");
        AwsCredentialsChain chain = started(new WebIdentityCredentialsProvider(base, "us-east-1",
                "arn:aws:iam::123456789012:role/r", "my session",
                () -> AwsProfileFiles.read(token.toString())));
        assertEquals(new AwsCredentials("AKIDW", "ws", "wt"), chain.credentials());
        assertEquals(1, stats.get("envoy_aws_metadata_credentials_provider_sts_token_service_internal_us_east_1_"
                + "metadata_refresh_state").gauge().value(), "ready");
        assertEquals("GET /?Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleSessionName=my session"
                + "&RoleArn=arn:aws:iam::123456789012:role/r&WebIdentityToken=eyJ.jwt%7Ex auth=null token=null "
                + "ttl=null accept=application/json", seen.get(0).replace("%20", " "));
    }

    @Test
    void webIdentityAnswerWithoutASessionTokenIsAFailure() {
        WebIdentityCredentialsProvider p = new WebIdentityCredentialsProvider(URI.create("https://sts.x"), "r", "arn",
                "s", () -> "t");
        assertEquals("the STS answer lacks AccessKeyId, SecretAccessKey or SessionToken", p.parse(
                "{\"AssumeRoleWithWebIdentityResponse\":{\"AssumeRoleWithWebIdentityResult\":{\"Credentials\":"
                        + "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\"}}}}"));
        assertEquals("the STS answer holds no credentials", p.parse("{\"Error\":{}}"));
        assertEquals("sts.eu-west-1.amazonaws.com", WebIdentityCredentialsProvider.stsEndpoint("eu-west-1"));
        assertEquals("sts.cn-north-1.amazonaws.com.cn", WebIdentityCredentialsProvider.stsEndpoint("cn-north-1"));
        assertEquals("sts.us-east-2.amazonaws.com", WebIdentityCredentialsProvider.stsEndpoint("us-east-2,us-west-*"));
        assertEquals("sts.amazonaws.com", WebIdentityCredentialsProvider.stsEndpoint("*"));
    }

    @Test
    void defaultChainPicksTheNetworkProviderFromTheEnvironment() {
        AwsCredentialsTranslator t = new AwsCredentialsTranslator(new AwsProfileFiles(Map.of("HOME", "/nonexistent",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/creds", "AWS_WEB_IDENTITY_TOKEN_FILE",
                "/t", "AWS_ROLE_ARN", "arn:r")));
        AwsCredentialsChain chain = (AwsCredentialsChain) t.defaultChain(null, null, "us-east-1",
                FieldPath.of("f"));
        assertEquals(List.of(CredentialsFileProvider.class, WebIdentityCredentialsProvider.class,
                ContainerCredentialsProvider.class), chain.providers().stream().map(Object::getClass).toList(),
                "the (missing) file, re-read hourly, then web identity, then the container");
        AwsCredentialsChain imds = (AwsCredentialsChain) new AwsCredentialsTranslator(new AwsProfileFiles(
                Map.of("HOME", "/nonexistent"))).defaultChain(null, null, "us-east-1",
                FieldPath.of("f"));
        assertEquals(List.of(CredentialsFileProvider.class, InstanceProfileCredentialsProvider.class),
                imds.providers().stream().map(Object::getClass).toList());
        AwsCredentialsChain none = (AwsCredentialsChain) new AwsCredentialsTranslator(new AwsProfileFiles(
                Map.of("HOME", "/nonexistent", "AWS_EC2_METADATA_DISABLED", "true"))).defaultChain(null, null,
                "us-east-1", FieldPath.of("f"));
        assertEquals(List.of(CredentialsFileProvider.class), none.providers().stream().map(Object::getClass).toList());
        assertFalse(none.pending(), "nothing to wait for: unsigned at once");
    }

    @Test
    void customChainAsksWebIdentityBeforeTheCredentialsFile() throws Exception {
        Path file = TempPaths.file("aws-credentials", "");
        Files.writeString(file, "[default]\naws_access_key_id=FILE\naws_secret_access_key=fs\n");
        AwsCredentialsTranslator t = new AwsCredentialsTranslator(new AwsProfileFiles(Map.of("HOME", "/nonexistent",
                "AWS_SHARED_CREDENTIALS_FILE", file.toString())));
        AwsCredentialProvider.Builder p = AwsCredentialProvider.newBuilder().setCustomCredentialProviderChain(true)
                .setCredentialsFileProvider(CredentialsFileCredentialProvider.getDefaultInstance())
                .setAssumeRoleWithWebIdentityProvider(AssumeRoleWithWebIdentityCredentialProvider.newBuilder()
                        .setRoleArn("arn:custom").setWebIdentityTokenDataSource(DataSource.newBuilder()
                                .setInlineString("jwt")));
        AwsCredentialsChain chain = (AwsCredentialsChain) t.provider(true, p.build(), "eu-west-1",
                FieldPath.of("f.credential_provider"));
        assertEquals(WebIdentityCredentialsProvider.class, chain.providers().get(0).getClass());
        assertEquals(new AwsCredentials("FILE", "fs", null), chain.providers().get(1).credentials());
        assertTrue(chain.pending(), "the file waits behind web identity until its first fetch");
        p.getAssumeRoleWithWebIdentityProviderBuilder().setRoleArn("");
        TranslationException e = assertThrows(TranslationException.class, () -> t.provider(true, p.build(),
                "eu-west-1", FieldPath.of("f.credential_provider")));
        assertTrue(e.getMessage().startsWith("f.credential_provider.assume_role_with_web_identity_provider.role_arn"),
                e.getMessage());
    }
}

package io.remora.extensions.common.aws;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.StringMatcher;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SigV4 against AWS's published aws-sig-v4-test-suite cases (credentials AKIDEXAMPLE, 20150830T123600Z,
 * us-east-1, service "service"), then the signer's own header and presigned-URL behaviour.
 */
class SigV4SignerTest {

    static final String SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    static final String DATE = "20150830T123600Z";
    static final long NOW = Instant.parse("2015-08-30T12:36:00Z").toEpochMilli();
    static final String SCOPE = "20150830/us-east-1/service/aws4_request";

    /** The suite's signature of a request: canonical request, string to sign, signature. */
    static String suiteSignature(String method, String path, Http2Headers headers, String body) {
        TreeMap<String, String> canonical = SigV4Canonical.headers(headers, List.of());
        String request = SigV4Canonical.request(method, path, canonical, SigV4Signer.sha256Hex(body), true);
        String toSign = SigV4Signer.stringToSign("AWS4-HMAC-SHA256", DATE, SCOPE, request);
        return SigV4Signer.hex(SigV4Signer.hmac(SigV4Signer.signingKey(SECRET, "20150830", "us-east-1", "service"),
                toSign));
    }

    static Http2Headers suiteHeaders(String... more) {
        Http2Headers h = new DefaultHttp2Headers(false).authority("example.amazonaws.com").set("x-amz-date", DATE);
        for (int i = 0; i < more.length; i += 2) {
            h.add(more[i], more[i + 1]);
        }
        return h;
    }

    @Test
    void getVanilla() {
        assertEquals("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
                suiteSignature("GET", "/", suiteHeaders(), ""));
    }

    @Test
    void getVanillaQueryOrderKeyCase() {
        Http2Headers h = suiteHeaders();
        String path = "/?Param2=value2&Param1=value1";
        assertEquals("""
                GET
                /
                Param1=value1&Param2=value2
                host:example.amazonaws.com
                x-amz-date:20150830T123600Z

                host;x-amz-date
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855""",
                SigV4Canonical.request("GET", path, SigV4Canonical.headers(h, List.of()), SigV4Signer.EMPTY_SHA256,
                        true));
        assertEquals("b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
                suiteSignature("GET", path, h, ""));
    }

    @Test
    void getVanillaEmptyQueryKey() {
        assertEquals("a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb",
                suiteSignature("GET", "/?Param1=value1", suiteHeaders(), ""));
    }

    @Test
    void postVanilla() {
        assertEquals("5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
                suiteSignature("POST", "/", suiteHeaders(), ""));
    }

    @Test
    void postHeaderKeySort() {
        assertEquals("c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c",
                suiteSignature("POST", "/", suiteHeaders("my-header1", "value1"), ""));
    }

    @Test
    void postXWwwFormUrlencoded() {
        assertEquals("ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
                suiteSignature("POST", "/", suiteHeaders("content-type", "application/x-www-form-urlencoded"),
                        "Param1=value1"));
    }

    @Test
    void normalizedPathsSignAsTheirNormalForm() {
        // The suite's get-slash, get-slash-dot-slash, get-relative and get-relative-relative all sign as get-vanilla.
        for (String p : List.of("//", "/./", "/example/..", "/example1/example2/../..")) {
            assertEquals("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
                    suiteSignature("GET", p, suiteHeaders(), ""), p);
        }
        assertEquals("/example/", SigV4Canonical.normalizePath("//example//"));
        assertEquals("/example%20space/", SigV4Canonical.uriEncodePath(SigV4Canonical.normalizePath("/example space/")));
    }

    @Test
    void queryIsDecodedThenEncodedAndSortedByNameThenValue() {
        assertEquals("-._~0-9A-Za-z=-._~0-9A-Za-z", SigV4Canonical.query("-._~0-9A-Za-z=-._~0-9A-Za-z"));
        assertEquals("Param1=value1&Param1=value2", SigV4Canonical.query("Param1=value2&Param1=value1"));
        assertEquals("a=&b=%20c&d=%2F%3D", SigV4Canonical.query("b=+c&a&d=%2f%3d"));
        assertEquals("%E1%88%B4=", SigV4Canonical.query("%E1%88%B4"));
    }

    @Test
    void headerValuesAreTrimmedAndJoined() {
        Http2Headers h = suiteHeaders("my-header1", "  value1  ", "my-header2", "\"a   b   c\"", "my-header1", "v2",
                "x-forwarded-for", "1.2.3.4", "empty", "");
        TreeMap<String, String> canonical = SigV4Canonical.headers(h, List.of());
        assertEquals("value1,v2", canonical.get("my-header1"));
        assertEquals("\"a b c\"", canonical.get("my-header2"));
        assertTrue(canonical.containsKey("x-forwarded-for"), "only the signer adds the default exclusions");
        assertFalse(canonical.containsKey("empty"));
        assertEquals("example.com", SigV4Canonical.headers(new DefaultHttp2Headers().authority("example.com:443"),
                List.of()).get("host"));
        assertEquals("example.com:8443", SigV4Canonical.headers(new DefaultHttp2Headers().authority("example.com:8443"),
                List.of()).get("host"));
    }

    static Http2Headers request(String method, String path) {
        return new DefaultHttp2Headers().method(method).path(path).authority("example.amazonaws.com")
                .scheme("http");
    }

    @Test
    void signsInHeaders() {
        SigV4Signer signer = new SigV4Signer("service", "us-east-1", creds("AKIDEXAMPLE", SECRET, null),
                List.of(new StringMatcher.Prefix("x-skip", false)), false, 5, false);
        Http2Headers h = request("GET", "/").set("authorization", "Bearer old").set("x-forwarded-for", "10.0.0.1")
                .set("x-amzn-trace-id", "Root=1").set("x-skip-me", "1").set("x-amz-security-token", "stale");
        signer.signEmptyPayload(h, NOW);
        assertEquals(DATE, h.get("x-amz-date").toString());
        assertEquals(SigV4Signer.EMPTY_SHA256, h.get("x-amz-content-sha256").toString());
        assertNull(h.get("x-amz-security-token"), "a token of the request is removed, none to add");
        assertEquals(1, h.getAll("authorization").size());
        String expected = hexSignature("GET\n/\n\nhost:example.amazonaws.com\nx-amz-content-sha256:"
                + SigV4Signer.EMPTY_SHA256 + "\nx-amz-date:" + DATE + "\n\nhost;x-amz-content-sha256;x-amz-date\n"
                + SigV4Signer.EMPTY_SHA256);
        assertEquals("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" + SCOPE
                + ", SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + expected,
                h.get("authorization").toString());
    }

    /** An independent SigV4: the HMAC chain written out with javax.crypto over the given canonical request. */
    static String hexSignature(String canonicalRequest) {
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            String toSign = "AWS4-HMAC-SHA256\n" + DATE + "\n" + SCOPE + "\n" + java.util.HexFormat.of()
                    .formatHex(sha.digest(canonicalRequest.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            byte[] k = mac(("AWS4" + SECRET).getBytes(java.nio.charset.StandardCharsets.UTF_8), "20150830");
            for (String part : List.of("us-east-1", "service", "aws4_request", toSign)) {
                k = mac(k, part);
            }
            return java.util.HexFormat.of().formatHex(k);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static byte[] mac(byte[] key, String data) throws Exception {
        javax.crypto.Mac m = javax.crypto.Mac.getInstance("HmacSHA256");
        m.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
        return m.doFinal(data.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void sessionTokenIsSentAndSigned() {
        SigV4Signer signer = new SigV4Signer("service", "us-east-1", creds("AKIDEXAMPLE", SECRET, "TOKEN"),
                List.of(), false, 5, false);
        Http2Headers h = request("PUT", "/a").set("content-type", "text/plain");
        signer.sign(h, "abc", NOW);
        assertEquals("TOKEN", h.get("x-amz-security-token").toString());
        assertEquals("abc", h.get("x-amz-content-sha256").toString());
        assertTrue(h.get("authorization").toString().contains(
                "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token,"));
    }

    @Test
    void anonymousCredentialsLeaveTheRequestUnsigned() {
        SigV4Signer signer = new SigV4Signer("service", "us-east-1", creds("AKID", "", null), List.of(),
                false, 5, false);
        Http2Headers h = request("GET", "/");
        signer.signUnsignedPayload(h, NOW);
        assertEquals("UNSIGNED-PAYLOAD", h.get("x-amz-content-sha256").toString());
        assertNull(h.get("authorization"));
        assertNull(h.get("x-amz-date"));
    }

    @Test
    void missingPathFails() {
        SigV4Signer signer = new SigV4Signer("service", "us-east-1", creds("AKID", SECRET, null),
                List.of(), false, 5, false);
        assertThrows(IllegalArgumentException.class,
                () -> signer.signEmptyPayload(new DefaultHttp2Headers().method("GET"), NOW));
    }

    @Test
    void presignsTheQueryString() {
        SigV4Signer signer = new SigV4Signer("service", "us-east-1", creds("AKIDEXAMPLE", SECRET, "T+k/="),
                List.of(), true, 60, false);
        Http2Headers h = request("GET", "/obj?b=2&a=1");
        signer.sign(h, SigV4Signer.EMPTY_SHA256, NOW);
        assertNull(h.get("authorization"));
        assertNull(h.get("x-amz-date"));
        assertNull(h.get("x-amz-content-sha256"));
        String path = h.path().toString();
        String unsigned = "/obj?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F"
                + SCOPE.replace("/", "%2F") + "&X-Amz-Date=" + DATE + "&X-Amz-Expires=60"
                + "&X-Amz-Security-Token=T%2Bk%2F%3D";
        assertTrue(path.startsWith(unsigned + "&X-Amz-Signature="), path);
        assertTrue(path.endsWith("&X-Amz-SignedHeaders=host&a=1&b=2"), path);
        String canonical = "GET\n/obj\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F"
                + SCOPE.replace("/", "%2F") + "&X-Amz-Date=" + DATE + "&X-Amz-Expires=60"
                + "&X-Amz-Security-Token=T%2Bk%2F%3D&X-Amz-SignedHeaders=host&a=1&b=2\n"
                + "host:example.amazonaws.com\n\nhost\n" + SigV4Signer.EMPTY_SHA256;
        assertTrue(path.contains("&X-Amz-Signature=" + hexSignature(canonical) + "&"), path);
    }

    @Test
    void s3PathsAreSignedAsSent() {
        assertFalse(SigV4Canonical.normalizesPath("S3"));
        assertTrue(SigV4Canonical.normalizesPath("lambda"));
        String r = SigV4Canonical.request("GET", "/a//b/../c%2F", Map.of(), "h", false);
        assertTrue(r.startsWith("GET\n/a//b/../c%2F\n"), r);
        String other = SigV4Canonical.request("GET", "/a//b/../c%2F", Map.of(), "h", true);
        assertTrue(other.startsWith("GET\n/a/c%252F\n"), other);
    }

    static AwsCredentialsProvider creds(String accessKeyId, String secret, String token) {
        return AwsCredentialsProvider.fixed(new AwsCredentials(accessKeyId, secret, token));
    }
}

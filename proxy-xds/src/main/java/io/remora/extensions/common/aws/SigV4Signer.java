package io.remora.extensions.common.aws;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.StringMatcher;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * AWS Signature Version 4 (Envoy's {@code SigV4SignerImpl}, and {@code SigV4ASignerImpl} with
 * {@code sigV4A}: ECDSA P-256, a region set in {@code x-amz-region-set}, no region in the
 * credential scope): signs a request in its headers
 * ({@code x-amz-date}, {@code x-amz-security-token}, {@code x-amz-content-sha256},
 * {@code authorization}) or, with {@code queryString}, as a presigned URL ({@code X-Amz-*} query
 * parameters, valid for {@code expirationSeconds}). Immutable; safe on any thread.
 */
public final class SigV4Signer {

    public static final String ALGORITHM = "AWS4-HMAC-SHA256";
    public static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    public static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
    /** Envoy's default lifetime of a presigned request. */
    public static final int DEFAULT_EXPIRATION_SECONDS = 5;
    /** Headers a proxy on the way may change, never signed (Envoy's defaults). */
    public static final List<String> DEFAULT_EXCLUDED_HEADERS = List.of("x-forwarded-for", "x-forwarded-proto",
            "x-amzn-trace-id");

    static final AsciiString CONTENT_SHA256 = AsciiString.cached("x-amz-content-sha256");
    static final AsciiString DATE = AsciiString.cached("x-amz-date");
    static final AsciiString SECURITY_TOKEN = AsciiString.cached("x-amz-security-token");
    static final AsciiString AUTHORIZATION = AsciiString.cached("authorization");
    static final AsciiString REGION_SET = AsciiString.cached("x-amz-region-set");

    private static final DateTimeFormatter LONG_DATE =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final String service;
    private final String region;
    private final AwsCredentialsProvider credentials;
    private final List<StringMatcher> excludedHeaders;
    private final boolean queryString;
    private final int expirationSeconds;
    private final boolean sigV4A;
    /** SigV4A's key for the credentials it was derived from (its region is then a region set). */
    private volatile V4AKey v4aKey;
    /**
     * The day's signing key for the credentials it was derived from: it changes once a day or when
     * they are refreshed; each request would otherwise derive it again.
     */
    private volatile DayKey dayKey;

    private record DayKey(String date, AwsCredentials credentials, byte[] key) {
    }

    private record V4AKey(AwsCredentials credentials, SigV4AKey key) {
    }

    /**
     * @param credentials     asked per request; none or incomplete: the request is left unsigned (Envoy's
     *                        anonymous case)
     * @param excludedHeaders names never signed, on top of {@link #DEFAULT_EXCLUDED_HEADERS}
     * @param sigV4A          sign with SigV4A (ECDSA P-256), {@code region} being a region set
     */
    public SigV4Signer(String service, String region, AwsCredentialsProvider credentials,
                       List<StringMatcher> excludedHeaders,
                       boolean queryString, int expirationSeconds, boolean sigV4A) {
        this.service = service;
        this.region = region;
        this.credentials = credentials;
        List<StringMatcher> excluded = new ArrayList<>();
        for (String h : DEFAULT_EXCLUDED_HEADERS) {
            excluded.add(new StringMatcher.Exact(h, false));
        }
        excluded.addAll(excludedHeaders);
        this.excludedHeaders = List.copyOf(excluded);
        this.queryString = queryString;
        this.expirationSeconds = expirationSeconds;
        this.sigV4A = sigV4A;
    }

    public String service() {
        return service;
    }

    public String region() {
        return region;
    }

    public AwsCredentialsProvider credentials() {
        return credentials;
    }

    /** Signs a request without a body. */
    public void signEmptyPayload(Http2Headers headers, long nowMillis) {
        headers.set(CONTENT_SHA256, EMPTY_SHA256);
        sign(headers, EMPTY_SHA256, nowMillis);
    }

    /** Signs the headers only: the body is declared {@code UNSIGNED-PAYLOAD}. */
    public void signUnsignedPayload(Http2Headers headers, long nowMillis) {
        headers.set(CONTENT_SHA256, UNSIGNED_PAYLOAD);
        sign(headers, UNSIGNED_PAYLOAD, nowMillis);
    }

    /**
     * Signs with the body's hex SHA-256.
     *
     * @throws IllegalArgumentException the request has no {@code :method} or {@code :path}
     */
    public void sign(Http2Headers headers, String contentHash, long nowMillis) {
        if (!queryString && !contentHash.isEmpty()) {
            headers.set(CONTENT_SHA256, contentHash);
        }
        AwsCredentials credentials = this.credentials.credentials();
        if (credentials == null || !credentials.complete()) {
            return;
        }
        if (headers.method() == null) {
            throw new IllegalArgumentException("Message is missing :method header");
        }
        if (headers.path() == null) {
            throw new IllegalArgumentException("Message is missing :path header");
        }
        SigV4AKey sigV4AKey = sigV4A ? v4aKey(credentials) : null;
        String longDate = LONG_DATE.format(Instant.ofEpochMilli(nowMillis));
        String shortDate = longDate.substring(0, 8);
        if (!queryString) {
            headers.remove(AUTHORIZATION);
            headers.remove(SECURITY_TOKEN);
            if (credentials.sessionToken() != null) {
                headers.set(SECURITY_TOKEN, credentials.sessionToken());
            }
            headers.set(DATE, longDate);
            if (sigV4AKey != null) {
                headers.set(REGION_SET, region);
            }
        }
        TreeMap<String, String> canonicalHeaders = SigV4Canonical.headers(headers, excludedHeaders);
        String algorithm = sigV4AKey == null ? ALGORITHM : SigV4AKey.ALGORITHM;
        String scope = sigV4AKey == null ? shortDate + "/" + region + "/" + service + "/aws4_request"
                : shortDate + "/" + service + "/aws4_request";
        String credential = credentials.accessKeyId() + "/" + scope;
        PresignedQuery query = null;
        if (queryString) {
            query = PresignedQuery.parse(headers.path().toString());
            if (sigV4AKey != null) {
                query.add("X-Amz-Region-Set", SigV4Canonical.encodeQueryComponent(region));
            }
            query.add("X-Amz-Algorithm", algorithm);
            query.add("X-Amz-Date", longDate);
            query.add("X-Amz-Expires", Integer.toString(expirationSeconds));
            if (credentials.sessionToken() != null) {
                query.add("X-Amz-Security-Token", SigV4Canonical.urlEncode(credentials.sessionToken()));
            }
            query.add("X-Amz-Credential", SigV4Canonical.encodeQueryComponent(credential));
            query.add("X-Amz-SignedHeaders",
                    SigV4Canonical.encodeQueryComponent(SigV4Canonical.signedHeaders(canonicalHeaders)));
            headers.path(query.path());
        }
        String canonicalRequest = SigV4Canonical.request(headers.method().toString(), headers.path().toString(),
                canonicalHeaders, contentHash.isEmpty() ? EMPTY_SHA256 : contentHash,
                SigV4Canonical.normalizesPath(service));
        String toSign = stringToSign(algorithm, longDate, scope, canonicalRequest);
        String signature = sigV4AKey == null ? signature(credentials, shortDate, toSign) : sigV4AKey.sign(toSign);
        if (queryString) {
            query.add("X-Amz-Signature", signature);
            headers.path(query.path());
        } else {
            headers.set(AUTHORIZATION, algorithm + " Credential=" + credential + ", SignedHeaders="
                    + SigV4Canonical.signedHeaders(canonicalHeaders) + ", Signature=" + signature);
        }
    }

    static String stringToSign(String algorithm, String longDate, String scope, String canonicalRequest) {
        return algorithm + "\n" + longDate + "\n" + scope + "\n" + sha256Hex(canonicalRequest);
    }

    private String signature(AwsCredentials credentials, String shortDate, String stringToSign) {
        DayKey k = dayKey;
        if (k == null || k.credentials != credentials || !k.date.equals(shortDate)) {
            k = new DayKey(shortDate, credentials, signingKey(credentials.secretAccessKey(), shortDate, region,
                    service));
            dayKey = k;
        }
        return hex(hmac(k.key, stringToSign));
    }

    /** Derived once per credentials (the KDF costs far more than a signature). */
    private SigV4AKey v4aKey(AwsCredentials credentials) {
        V4AKey k = v4aKey;
        if (k == null || k.credentials != credentials) {
            k = new V4AKey(credentials, new SigV4AKey(credentials.accessKeyId(), credentials.secretAccessKey()));
            v4aKey = k;
        }
        return k.key;
    }

    /** HMAC chain of AWS4+secret over the date, region, service and {@code aws4_request}. */
    public static byte[] signingKey(String secret, String shortDate, String region, String service) {
        byte[] k = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), shortDate);
        k = hmac(k, region);
        k = hmac(k, service);
        return hmac(k, "aws4_request");
    }

    public static byte[] hmac(byte[] key, String data) {
        return hmac(key, data.getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    public static String sha256Hex(String s) {
        return sha256Hex(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    public static String sha256Hex(byte[] bytes) {
        return hex(sha256().digest(bytes));
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    public static String hex(byte[] b) {
        return java.util.HexFormat.of().formatHex(b);
    }

    /**
     * The request's query parameters by name (sorted, as Envoy's {@code QueryParamsMulti}), values
     * kept as sent, for adding the presigning parameters.
     */
    private static final class PresignedQuery {
        private final String path;
        private final TreeMap<String, List<String>> params = new TreeMap<>();

        private PresignedQuery(String path) {
            this.path = path;
        }

        static PresignedQuery parse(String fullPath) {
            int q = fullPath.indexOf('?');
            PresignedQuery out = new PresignedQuery(q < 0 ? fullPath : fullPath.substring(0, q));
            if (q >= 0) {
                for (String fragment : fullPath.substring(q + 1).split("&")) {
                    if (fragment.isEmpty()) {
                        continue;
                    }
                    int eq = fragment.indexOf('=');
                    out.add(eq < 0 ? fragment : fragment.substring(0, eq), eq < 0 ? "" : fragment.substring(eq + 1));
                }
            }
            return out;
        }

        void add(String name, String value) {
            params.computeIfAbsent(name, n -> new ArrayList<>(1)).add(value);
        }

        String path() {
            if (params.isEmpty()) {
                return path;
            }
            StringBuilder b = new StringBuilder(path).append('?');
            boolean first = true;
            for (Map.Entry<String, List<String>> e : params.entrySet()) {
                for (String v : e.getValue()) {
                    if (!first) {
                        b.append('&');
                    }
                    first = false;
                    b.append(e.getKey()).append('=').append(v);
                }
            }
            return b.toString();
        }
    }
}

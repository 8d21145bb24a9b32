package io.remora.e2e;

import io.netty.handler.codec.http.FullHttpRequest;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A request as an upstream received it, and a verifier of its SigV4 {@code authorization} written
 * apart from the proxy's signer: for the tests' plain paths (no dot segments) and query
 * parameters (nothing to escape), it rebuilds the canonical request from what arrived and recomputes the
 * signature with the secret the test gave the proxy.
 */
record SigV4Check(String method, String uri, Map<String, List<String>> headers, byte[] body) {

    private static final Pattern AUTHORIZATION = Pattern.compile(
            "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request, SignedHeaders=([a-z0-9;-]+), "
                    + "Signature=([0-9a-f]{64})");

    static SigV4Check of(FullHttpRequest req) {
        Map<String, List<String>> headers = new TreeMap<>();
        for (Map.Entry<String, String> e : req.headers()) {
            headers.computeIfAbsent(e.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(e.getValue());
        }
        byte[] body = new byte[req.content().readableBytes()];
        req.content().getBytes(req.content().readerIndex(), body);
        return new SigV4Check(req.method().name(), req.uri(), headers, body);
    }

    String header(String name) {
        List<String> v = headers.get(name);
        return v == null ? null : String.join(",", v);
    }

    /** The parts of the authorization header: access key, date, region, service, signed headers, signature. */
    String[] authorization() {
        Matcher m = AUTHORIZATION.matcher(header("authorization"));
        if (!m.matches()) {
            throw new AssertionError("not a SigV4 authorization: " + header("authorization"));
        }
        return new String[]{m.group(1), m.group(2), m.group(3), m.group(4), m.group(5), m.group(6)};
    }

    /** The signature this request should carry, signed with {@code secret}, its payload hash checked first. */
    String expectedSignature(String secret) throws Exception {
        String[] a = authorization();
        String hash = header("x-amz-content-sha256");
        if (!hash.equals("UNSIGNED-PAYLOAD") && !hash.equals(hex(MessageDigest.getInstance("SHA-256").digest(body)))) {
            throw new AssertionError("x-amz-content-sha256 " + hash + " is not the body's hash");
        }
        return sign(secret, a[1], a[2], a[3], header("x-amz-date"), canonical(a[4].split(";"), hash, a[3]));
    }

    String canonical(String[] signedHeaders, String payloadHash, String service) {
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        StringBuilder b = new StringBuilder(method).append('\n').append(service.equals("s3") ? path : encodePath(path))
                .append('\n');
        if (q >= 0) {
            List<String> params = new ArrayList<>(List.of(uri.substring(q + 1).split("&")));
            params.removeIf(p -> p.startsWith("X-Amz-Signature="));
            params.sort(null);
            b.append(String.join("&", params));
        }
        b.append('\n');
        for (String h : signedHeaders) {
            String v = header(h);
            if (v == null) {
                throw new AssertionError("signed header " + h + " did not arrive: " + headers);
            }
            // SigV4's trimall: no leading or trailing spaces, inner runs as one.
            b.append(h).append(':').append(v.trim().replaceAll(" +", " ")).append('\n');
        }
        return b.append('\n').append(String.join(";", signedHeaders)).append('\n').append(payloadHash).toString();
    }

    /** The path as AWS signs it for services other than S3: each byte but unreserved ones and '/' escaped. */
    private static String encodePath(String path) {
        StringBuilder b = new StringBuilder();
        for (byte c : path.getBytes(StandardCharsets.UTF_8)) {
            if (Character.isLetterOrDigit(c) || "-._~/".indexOf(c) >= 0) {
                b.append((char) c);
            } else {
                b.append(String.format("%%%02X", c & 0xff));
            }
        }
        return b.toString();
    }

    static String sign(String secret, String day, String region, String service, String date, String canonical)
            throws Exception {
        String toSign = "AWS4-HMAC-SHA256\n" + date + "\n" + day + "/" + region + "/" + service + "/aws4_request\n"
                + hex(MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
        byte[] k = ("AWS4" + secret).getBytes(StandardCharsets.UTF_8);
        for (String part : List.of(day, region, service, "aws4_request", toSign)) {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(k, "HmacSHA256"));
            k = mac.doFinal(part.getBytes(StandardCharsets.UTF_8));
        }
        return hex(k);
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}

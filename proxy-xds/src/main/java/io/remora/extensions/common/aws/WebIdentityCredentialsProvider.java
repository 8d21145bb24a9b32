package io.remora.extensions.common.aws;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.remora.http.PercentEncoding;

import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Envoy's {@code WebIdentityCredentialsProvider}: STS {@code AssumeRoleWithWebIdentity}, a GET of
 * {@code https://<sts endpoint>/?Action=AssumeRoleWithWebIdentity&Version=2011-06-15}
 * {@code &RoleSessionName=…&RoleArn=…&WebIdentityToken=…}
 * (each value percent-encoded as Envoy's PercentEncoding::encode) with {@code Accept:
 * application/json}, so STS answers in JSON: {@code AssumeRoleWithWebIdentityResponse.
 * AssumeRoleWithWebIdentityResult.Credentials} with {@code AccessKeyId}, {@code SecretAccessKey},
 * {@code SessionToken} (all three required) and {@code Expiration} in epoch seconds. The token is
 * read again at each refresh (Kubernetes rotates the projected file).
 */
final class WebIdentityCredentialsProvider extends MetadataCredentialsProvider {

    private final URI endpoint;
    private final String clusterName;
    private final String roleArn;
    private final String roleSessionName;
    private final Supplier<String> token;

    /**
     * @param endpoint {@link #stsEndpoint} as an https URI; another only in tests
     * @param token    the web identity token now, null when its source cannot be read
     */
    WebIdentityCredentialsProvider(URI endpoint, String region, String roleArn, String roleSessionName,
                                   Supplier<String> token) {
        this.endpoint = endpoint;
        this.clusterName = "sts_token_service_internal-" + region;
        this.roleArn = roleArn;
        this.roleSessionName = roleSessionName;
        this.token = token;
    }

    /** Envoy's getSTSEndpoint: a region set's first region ({@code sts.amazonaws.com} for a wildcard). */
    static String stsEndpoint(String region) {
        String single = region;
        if (region.contains(",") || region.contains("*")) {
            single = region.split(",", -1)[0];
            if (single.contains("*")) {
                return "sts.amazonaws.com";
            }
        }
        if (single.equals("cn-northwest-1") || single.equals("cn-north-1")) {
            return "sts." + single + ".amazonaws.com.cn";
        }
        return "sts." + single + ".amazonaws.com";
    }

    @Override
    String clusterName() {
        return clusterName;
    }

    @Override
    String name() {
        return "STS web identity credentials from " + endpoint.getHost();
    }

    URI requestUri(String webIdentityToken) {
        return endpoint.resolve("/?Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleSessionName="
                + encode(roleSessionName) + "&RoleArn=" + encode(roleArn)
                + "&WebIdentityToken=" + encode(webIdentityToken));
    }

    /**
     * Envoy's PercentEncoding::encode (controls, '~' and up, '%'), and what a URI cannot carry raw,
     * which Envoy would send as it is (none of it belongs in an ARN, a session name or a JWT).
     */
    private static String encode(String s) {
        return PercentEncoding.encode(s, "% \"<>\\^`{|}#");
    }

    @Override
    void refresh() {
        String t = token.get();
        if (t == null) {
            failed("the web identity token cannot be read");
            return;
        }
        AwsMetadataFetcher.fetch("GET", requestUri(t), Map.of("Accept", "application/json"), step(body -> {
            if (body == null) {
                failed("fetch failed");
                return;
            }
            String problem = parse(body);
            if (problem != null) {
                failed(problem);
            }
        }));
    }

    /** Publishes the answer's credentials; else says what is wrong with it. */
    String parse(String body) {
        JsonObject doc = object(body);
        if (doc == null) {
            return "the STS answer is not a JSON document";
        }
        JsonObject creds = child(child(child(doc, "AssumeRoleWithWebIdentityResponse"),
                "AssumeRoleWithWebIdentityResult"), "Credentials");
        if (creds == null) {
            return "the STS answer holds no credentials";
        }
        String id = string(creds, "AccessKeyId");
        String secret = string(creds, "SecretAccessKey");
        String session = string(creds, "SessionToken");
        if (id.isEmpty() || secret.isEmpty() || session.isEmpty()) {
            return "the STS answer lacks AccessKeyId, SecretAccessKey or SessionToken";
        }
        JsonElement exp = creds.get("Expiration");
        long seconds = exp != null && exp.isJsonPrimitive() && exp.getAsJsonPrimitive().isNumber()
                ? exp.getAsLong() : 0;
        succeeded(new AwsCredentials(id, secret, session), seconds == 0 ? null : Instant.ofEpochSecond(seconds));
        return null;
    }

    private static JsonObject child(JsonObject o, String name) {
        JsonElement e = o == null ? null : o.get(name);
        return e != null && e.isJsonObject() ? e.getAsJsonObject() : null;
    }

    /** Envoy's default session name: AWS_ROLE_SESSION_NAME, else the time in nanoseconds. */
    static String sessionName(AwsProfileFiles files) {
        String name = files.env("AWS_ROLE_SESSION_NAME");
        if (name != null) {
            return name;
        }
        Instant now = Instant.now();
        return Long.toString(now.getEpochSecond() * 1_000_000_000L + now.getNano());
    }
}

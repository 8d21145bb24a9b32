package io.remora.extensions.common.aws;

import com.google.gson.JsonObject;

import java.net.URI;
import java.util.Map;

/**
 * Envoy's {@code InstanceProfileCredentialsProvider} (EC2 instance metadata): an IMDSv2 session
 * token ({@code PUT /latest/api/token}, 6 h), the instance's role name (the first line of
 * {@code GET /latest/meta-data/iam/security-credentials}), then that role's credentials
 * ({@code AccessKeyId}, {@code SecretAccessKey}, {@code Token}), both GETs carrying the token. As
 * Envoy's: a failed token fetch clears the credentials (requests waiting go on unsigned) and the
 * refresh carries on without a token (IMDSv1); the answer's expiration is not read, so the
 * credentials are refreshed hourly.
 */
final class InstanceProfileCredentialsProvider extends MetadataCredentialsProvider {

    static final URI EC2_METADATA_HOST = URI.create("http://169.254.169.254");
    static final String TOKEN_RESOURCE = "/latest/api/token";
    static final String TOKEN_TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds";
    static final String TOKEN_TTL_SECONDS = "21600";
    static final String TOKEN_HEADER = "X-aws-ec2-metadata-token";
    static final String SECURITY_CREDENTIALS_PATH = "/latest/meta-data/iam/security-credentials";

    private final URI base;

    /** @param base {@link #EC2_METADATA_HOST}; another address only in tests */
    InstanceProfileCredentialsProvider(URI base) {
        this.base = base;
    }

    static InstanceProfileCredentialsProvider shared() {
        return shared("instance metadata", () -> new InstanceProfileCredentialsProvider(EC2_METADATA_HOST));
    }

    @Override
    String clusterName() {
        return "ec2_instance_metadata_server_internal";
    }

    @Override
    String name() {
        return "instance metadata credentials";
    }

    @Override
    void refresh() {
        AwsMetadataFetcher.fetch("PUT", base.resolve(TOKEN_RESOURCE), Map.of(TOKEN_TTL_HEADER, TOKEN_TTL_SECONDS),
                step(token -> {
                    if (token == null) {
                        failedStep("token fetch failed, falling back to IMDSv1");
                        role("");
                    } else {
                        role(token.strip());
                    }
                }));
    }

    private void role(String token) {
        AwsMetadataFetcher.fetch("GET", base.resolve(SECURITY_CREDENTIALS_PATH), Map.of(TOKEN_HEADER, token),
                step(roles -> {
                    String first = roles == null ? "" : roles.strip().split("\n", 2)[0].strip();
                    if (first.isEmpty()) {
                        failed("no role found in the instance metadata");
                        return;
                    }
                    credentials(token, first);
                }));
    }

    private void credentials(String token, String role) {
        AwsMetadataFetcher.fetch("GET", base.resolve(SECURITY_CREDENTIALS_PATH + "/" + role),
                Map.of(TOKEN_HEADER, token), step(body -> {
                    JsonObject doc = body == null ? null : object(body);
                    if (doc == null) {
                        failed(body == null ? "credentials fetch failed" : "the credentials are not a JSON document");
                        return;
                    }
                    succeeded(new AwsCredentials(string(doc, "AccessKeyId"), string(doc, "SecretAccessKey"),
                            string(doc, "Token")), null);
                }));
    }
}

package io.remora.extensions.common.aws;

import com.google.gson.JsonObject;

import java.net.URI;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * Envoy's {@code ContainerCredentialsProvider} (ECS task roles, EKS Pod Identity): a GET of the
 * credentials URI with the authorization token as {@code Authorization} (the configured
 * {@code AWS_CONTAINER_AUTHORIZATION_TOKEN}, else the content of
 * {@code AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE}, read at each refresh since EKS rotates it); the
 * answer's {@code AccessKeyId}, {@code SecretAccessKey}, {@code Token} and ISO-8601
 * {@code Expiration}.
 */
final class ContainerCredentialsProvider extends MetadataCredentialsProvider {

    /** Where AWS_CONTAINER_CREDENTIALS_RELATIVE_URI points (ECS's task metadata endpoint). */
    static final String CONTAINER_METADATA_HOST = "http://169.254.170.2";

    private final URI uri;
    private final String authorizationToken;
    private final String tokenFile;

    /**
     * @param authorizationToken the token to send, or empty to read {@code tokenFile}
     * @param tokenFile          AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, or null
     */
    ContainerCredentialsProvider(URI uri, String authorizationToken, String tokenFile) {
        this.uri = uri;
        this.authorizationToken = authorizationToken;
        this.tokenFile = tokenFile;
    }

    static ContainerCredentialsProvider shared(URI uri, String authorizationToken, String tokenFile) {
        return shared("container " + uri + " " + authorizationToken.hashCode() + " " + tokenFile,
                () -> new ContainerCredentialsProvider(uri, authorizationToken, tokenFile));
    }

    @Override
    String clusterName() {
        return "ecs_task_metadata_server_internal";
    }

    @Override
    String name() {
        return "container credentials from " + uri.getAuthority();
    }

    @Override
    void refresh() {
        String token = authorizationToken;
        if (token.isEmpty() && tokenFile != null) {
            String read = AwsProfileFiles.read(tokenFile);
            token = read == null ? "" : read.strip(); // a header value ends at the line
        }
        AwsMetadataFetcher.fetch("GET", uri, Map.of("Authorization", token), step(body -> {
            if (body == null) {
                failed("fetch failed");
                return;
            }
            JsonObject doc = object(body);
            if (doc == null) {
                failed("the answer is not a JSON document");
                return;
            }
            succeeded(new AwsCredentials(string(doc, "AccessKeyId"), string(doc, "SecretAccessKey"),
                    string(doc, "Token")), expiration(string(doc, "Expiration")));
        }));
    }

    /** An ISO-8601 time with an offset ("2024-05-01T12:00:00Z"); null when absent or unreadable. */
    static Instant expiration(String s) {
        if (s.isEmpty()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}

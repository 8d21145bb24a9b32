package io.remora.extensions.common.aws;

/**
 * AWS credentials as Envoy's {@code Credentials}: an empty string is no value, and without both an
 * access key id and a secret a request goes unsigned (anonymous, as the AWS SDKs do).
 *
 * @param sessionToken null when the credentials are not temporary ones
 */
public record AwsCredentials(String accessKeyId, String secretAccessKey, String sessionToken) {

    public AwsCredentials {
        accessKeyId = emptyToNull(accessKeyId);
        secretAccessKey = emptyToNull(secretAccessKey);
        sessionToken = emptyToNull(sessionToken);
    }

    /** Whether requests can be signed with these (Envoy signs nothing without both). */
    public boolean complete() {
        return accessKeyId != null && secretAccessKey != null;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    @Override
    public String toString() {
        return "AwsCredentials[" + accessKeyId + ", secret and token hidden]";
    }
}

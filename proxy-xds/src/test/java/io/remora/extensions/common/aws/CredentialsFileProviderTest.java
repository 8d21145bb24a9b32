package io.remora.extensions.common.aws;

import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.common.aws.v3.AwsCredentialProvider;
import io.envoyproxy.envoy.extensions.common.aws.v3.CredentialsFileCredentialProvider;
import io.remora.testing.TempPaths;
import io.remora.xds.translate.FieldPath;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Envoy's credentials file provider: a file that is missing is no error, and the file is read as it is now. */
class CredentialsFileProviderTest {

    @Test
    void missingDataSourceFallsBackToTheSharedFileWhichIsReadAgain() throws Exception {
        Path shared = TempPaths.file("aws-credentials", "");
        Files.delete(shared);
        AwsCredentialsTranslator t = new AwsCredentialsTranslator(new AwsProfileFiles(Map.of("HOME", "/nonexistent",
                "AWS_SHARED_CREDENTIALS_FILE", shared.toString())));
        AwsCredentialProvider p = AwsCredentialProvider.newBuilder().setCustomCredentialProviderChain(true)
                .setCredentialsFileProvider(CredentialsFileCredentialProvider.newBuilder().setProfile("p")
                        .setCredentialsDataSource(DataSource.newBuilder().setFilename("/nonexistent/creds")))
                .build();
        FieldPath path = FieldPath.of("f.credential_provider");
        assertNull(t.provider(true, p, "us-east-1", path).credentials(), "no file, no credentials, no error");

        Files.writeString(shared, "[p]\naws_access_key_id = A1\naws_secret_access_key = s1\n");
        AwsCredentialsProvider next = t.provider(true, p, "us-east-1", path);
        assertEquals(new AwsCredentials("A1", "s1", null), next.credentials(), "the shared file, as it is now");
        Files.writeString(shared, "[p]\naws_access_key_id = A2\naws_secret_access_key = s2\n");
        t.provider(true, p, "us-east-1", path);
        assertEquals(new AwsCredentials("A2", "s2", null), next.credentials(), "one provider per file and profile");
    }
}

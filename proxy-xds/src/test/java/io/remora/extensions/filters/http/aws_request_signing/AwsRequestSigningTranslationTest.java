package io.remora.extensions.filters.http.aws_request_signing;

import io.envoyproxy.envoy.extensions.filters.http.aws_request_signing.v3.AwsRequestSigning;
import io.remora.extensions.common.aws.AwsCredentials;
import io.remora.extensions.common.aws.AwsProfileFiles;
import io.remora.testing.TempPaths;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** AwsRequestSigning configs as Envoy reads them: region and credentials sources, refusals naming the field. */
class AwsRequestSigningTranslationTest {

    static TranslationException refused(String body) {
        String yaml = HcmListenerYaml.listener("",
                HcmListenerYaml.filter("envoy.filters.http.aws_request_signing",
                        "type.googleapis.com/envoy.extensions.filters.http.aws_request_signing.v3.AwsRequestSigning", body),
                HcmListenerYaml.catchAllHost("", "route: { cluster: c1 }")) + HcmListenerYaml.CLUSTER_C1;
        return assertThrows(TranslationException.class, () -> new BootstrapLoader().loadString(yaml, "test.yaml"));
    }

    static AwsRequestSigningConfig translate(AwsRequestSigning c, Map<String, String> env) {
        return AwsRequestSigningExtension.translate(c, null, FieldPath.of("f"), TranslationContext.lenient(),
                new AwsProfileFiles(env));
    }

    @Test
    void refusesWhatCannotBeSigned() {
        assertTrue(refused("region: us-east-1").getMessage().contains("service_name"));
        assertTrue(refused("service_name: s3\nregion: \"us-*\"").getMessage().contains("region"));
        assertTrue(refused("service_name: s3\nregion: us-east-1\nquery_string: { expiration_time: 3601s }")
                .getMessage().contains("query_string.expiration_time"));
        assertTrue(refused("service_name: s3\nregion: us-east-1\ncredential_provider: { inline_credential: "
                + "{ access_key_id: A } }").getMessage().contains("credential_provider.inline_credential.secret_access_key"));
        assertTrue(refused("service_name: s3\nregion: us-east-1\ncredential_provider: "
                + "{ custom_credential_provider_chain: true }").getMessage().contains("custom_credential_provider_chain"));
    }

    @Test
    void sigV4ATakesARegionSet() {
        AwsRequestSigning c = AwsRequestSigning.newBuilder().setServiceName("svc")
                .setSigningAlgorithm(AwsRequestSigning.SigningAlgorithm.AWS_SIGV4A).build();
        assertEquals("us-*,eu-west-1", translate(c.toBuilder().setRegion("us-*,eu-west-1").build(), Map.of())
                .signer().region());
        assertEquals("*", translate(c, Map.of("AWS_SIGV4A_SIGNING_REGION_SET", "*", "AWS_REGION", "r")).signer().region());
        assertEquals("r", translate(c, Map.of("AWS_REGION", "r")).signer().region());
    }

    @Test
    void regionComesFromTheEnvironmentThenTheConfigFile() throws Exception {
        AwsRequestSigning c = AwsRequestSigning.newBuilder().setServiceName("svc").build();
        assertEquals("eu-west-3", translate(c, Map.of("AWS_REGION", "eu-west-3", "AWS_DEFAULT_REGION", "x"))
                .signer().region());
        assertEquals("x", translate(c, Map.of("AWS_DEFAULT_REGION", "x")).signer().region());
        Path config = TempPaths.file("aws-config", "");
        Files.writeString(config, "[default]\nregion = def-1\n[profile dev]\nregion=dev-1\n");
        assertEquals("dev-1", translate(c, Map.of("AWS_CONFIG_FILE", config.toString(), "AWS_PROFILE", "dev"))
                .signer().region());
        assertEquals("def-1", translate(c, Map.of("AWS_CONFIG_FILE", config.toString())).signer().region());
        TranslationException e = assertThrows(TranslationException.class,
                () -> translate(c, Map.of("HOME", "/nonexistent")));
        assertTrue(e.getMessage().startsWith("f.region"), e.getMessage());
    }

    @Test
    void defaultChainTakesTheEnvironmentThenTheCredentialsFile() throws Exception {
        AwsRequestSigning c = AwsRequestSigning.newBuilder().setServiceName("svc").setRegion("r").build();
        Path file = TempPaths.file("aws-credentials", "");
        Files.writeString(file, "[default]\naws_access_key_id=FILE\naws_secret_access_key=fs\n"
                + "[p]\naws_access_key_id = P\naws_secret_access_key = ps\naws_session_token = pt\n");
        assertEquals(new AwsCredentials("ENV", "es", null), translate(c, Map.of("AWS_ACCESS_KEY_ID", "ENV",
                "AWS_SECRET_ACCESS_KEY", "es", "AWS_SHARED_CREDENTIALS_FILE", file.toString())).signer().credentials()
                .credentials());
        assertEquals(new AwsCredentials("FILE", "fs", null), translate(c, Map.of("AWS_ACCESS_KEY_ID", "ENV",
                "AWS_SHARED_CREDENTIALS_FILE", file.toString())).signer().credentials().credentials(),
                "environment credentials without a secret are skipped");
        assertEquals(new AwsCredentials("P", "ps", "pt"), translate(c, Map.of("AWS_PROFILE", "p",
                "AWS_SHARED_CREDENTIALS_FILE", file.toString())).signer().credentials().credentials());
        assertNull(translate(c, Map.of("HOME", "/nonexistent")).signer().credentials().credentials(),
                "anonymous until a network provider brings some");
    }
}

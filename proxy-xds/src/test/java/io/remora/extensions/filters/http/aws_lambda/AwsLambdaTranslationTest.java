package io.remora.extensions.filters.http.aws_lambda;

import io.envoyproxy.envoy.extensions.filters.http.aws_lambda.v3.Config;
import io.remora.extensions.common.aws.AwsCredentials;
import io.remora.extensions.common.aws.AwsProfileFiles;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Lambda filter's ARN as Envoy parses it, and refused configs naming the field. */
class AwsLambdaTranslationTest {

    static TranslationException refused(String body) {
        String yaml = HcmListenerYaml.listener("",
                HcmListenerYaml.filter("envoy.filters.http.aws_lambda",
                        "type.googleapis.com/envoy.extensions.filters.http.aws_lambda.v3.Config", body),
                HcmListenerYaml.catchAllHost("", "route: { cluster: c1 }")) + HcmListenerYaml.CLUSTER_C1;
        return assertThrows(TranslationException.class, () -> new BootstrapLoader().loadString(yaml, "test.yaml"));
    }

    @Test
    void arnsAsEnvoyParsesThem() {
        LambdaArn a = LambdaArn.parse("arn:aws:lambda:us-west-2:987654321:function:hello_envoy:v1");
        assertEquals("us-west-2", a.region());
        assertEquals("hello_envoy:v1", a.functionName(), "a version or alias stays in the name");
        assertEquals("f", LambdaArn.parse("arn:aws-cn:lambda:cn-north-1:1:function:f").functionName());
        assertNull(LambdaArn.parse("arn:aws:lambda:us-west-2:987654321:function"));
        assertNull(LambdaArn.parse("nra:aws:lambda:us-west-2:987654321:function:f"));
    }

    @Test
    void credentialsProfileReadsTheCredentialsFile() throws Exception {
        java.nio.file.Path file = io.remora.testing.TempPaths.file("aws-credentials", "");
        java.nio.file.Files.writeString(file, "[default]\naws_access_key_id=D\naws_secret_access_key=ds\n"
                + "[fn]\naws_access_key_id=F\naws_secret_access_key=fs\n");
        Config c = Config.newBuilder().setArn("arn:aws:lambda:eu-north-1:1:function:f").setCredentialsProfile("fn")
                .build();
        AwsLambdaConfig config = AwsLambdaExtension.translate(c, FieldPath.of("f"), TranslationContext.lenient(),
                new AwsProfileFiles(Map.of("AWS_SHARED_CREDENTIALS_FILE", file.toString())));
        assertEquals(new AwsCredentials("F", "fs", null), config.signer().credentials().credentials());
        assertEquals("eu-north-1", config.signer().region(), "the ARN's region");
        assertEquals("lambda", config.signer().service());
    }

    @Test
    void refusesABadArnNamingTheField() {
        TranslationException e = refused("arn: \"arn:aws:lambda:us-east-1:function\"");
        assertTrue(e.getMessage().contains(".arn") && e.getMessage().contains("Invalid ARN"), e.getMessage());
        assertTrue(refused("arn: \"arn:aws:lambda:r:1:function:f\"\ncredentials: { access_key_id: A }")
                .getMessage().contains("credentials.secret_access_key"));
    }
}

package io.remora.extensions.filters.http.aws_lambda;

import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

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
    void refusesABadArnNamingTheField() {
        TranslationException e = refused("arn: \"arn:aws:lambda:us-east-1:function\"");
        assertTrue(e.getMessage().contains(".arn") && e.getMessage().contains("Invalid ARN"), e.getMessage());
        assertTrue(refused("arn: \"arn:aws:lambda:r:1:function:f\"\ncredentials: { access_key_id: A }")
                .getMessage().contains("credentials.secret_access_key"));
    }
}

package io.remora.xds.translate;

import io.remora.xds.bootstrap.BootstrapLoader;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Envoy 1.38's operators in an access log's format at translation: the built ones load; the
 * FILE_CONTENT and SECRET formatter extensions, whose protos the 1.0.49 API lacks, are refused at
 * their {@code formatters} entry, and their commands without them as Envoy refuses an unknown one.
 */
class AccessLogNewOperatorsTranslationTest {

    private static final String LOG = AccessLogFilterTranslationTest.LOG + ".typed_config.log_format";

    private static String bootstrap(String logFormat) {
        return HcmListenerYaml.listener("""
                access_log:
                - name: envoy.access_loggers.stdout
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog
                    log_format:
                """ + logFormat.indent(6), "route: { cluster: c1 }") + HcmListenerYaml.CLUSTER_C1;
    }

    private static TranslationException refused(String logFormat) {
        return assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(bootstrap(logFormat), "test.yaml"));
    }

    @Test
    void theBuiltOperatorsLoad() {
        new BootstrapLoader().loadString(bootstrap("text_format: \"%SPAN_ID% %QUERY_PARAMS(DECODED):20% "
                + "%DOWNSTREAM_LOCAL_CLOSE_REASON% %UPSTREAM_DETECTED_CLOSE_TYPE% %TYPED_CEL(response.code)% "
                + "%UPSTREAM_REMOTE_ADDRESS_ENDPOINT_ID% %UPSTREAM_DECOMPRESSED_HEADER_BYTES_SENT%\""), "test.yaml");
    }

    @Test
    void fileContentAndSecretExtensionsAreRefusedAtTheirEntry() {
        TranslationException e = refused("""
                text_format: "%FILE_CONTENT(/etc/hostname)%"
                formatters:
                - name: envoy.formatter.file_content
                  typed_config: { "@type": type.googleapis.com/envoy.extensions.formatter.file_content.v3.FileContent }
                """);
        assertEquals(LOG + ".formatters[0].typed_config", e.path());
        assertTrue(e.getMessage().contains("envoy.extensions.formatter.file_content.v3.FileContent"), e.getMessage());
        e = refused("""
                text_format: "%SECRET(token)%"
                formatters:
                - name: envoy.formatter.generic_secret
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.formatter.generic_secret.v3.GenericSecret
                    secret_configs: { token: { name: token } }
                """);
        assertEquals(LOG + ".formatters[0].typed_config", e.path());
    }

    @Test
    void theirCommandsAloneAreUnknownAsInEnvoy() {
        TranslationException e = refused("text_format: \"%SECRET(token)%\"");
        assertEquals(LOG + ".text_format", e.path());
        assertTrue(e.getMessage().contains("Not supported field in StreamInfo: SECRET"), e.getMessage());
        e = refused("text_format: \"%DOWNSTREAM_LOCAL_ADDRESS_ENDPOINT_ID%\"");
        assertTrue(e.getMessage().contains("not supported by Remora"), e.getMessage());
    }
}

package io.remora.extensions.filters.http.grpc_json_transcoder;

import io.remora.e2e.BookstoreService;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Transcoder configs Envoy refuses are refused naming the field; what is not built is warned about. */
class GrpcJsonTranscoderTranslationTest {

    static final String NAME = "envoy.filters.http.grpc_json_transcoder";
    static final String TYPE = "type.googleapis.com/envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder";
    static final String FILTER = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config"
            + ".http_filters[0].typed_config";
    static Path descriptor;

    @BeforeAll
    static void writeDescriptor() throws Exception {
        descriptor = BookstoreService.descriptorFile();
    }

    static String bootstrap(String body) {
        return HcmListenerYaml.listener("", HcmListenerYaml.filter(NAME, TYPE, body),
                HcmListenerYaml.catchAllHost("", "route: { cluster: c1 }\n")) + HcmListenerYaml.CLUSTER_C1;
    }

    static TranslationException refused(String body) {
        return assertThrows(TranslationException.class, () -> new BootstrapLoader().loadString(bootstrap(body), "t.yaml"));
    }

    @Test
    void descriptorIsRequiredAndMustBeReadable() {
        assertEquals(FILTER, refused("services: [bookstore.Bookstore]").path());
        assertEquals(FILTER + ".proto_descriptor", refused("proto_descriptor: /nonexistent/set.pb\nservices: [x.Y]").path());
        assertEquals(FILTER + ".proto_descriptor_bin",
                refused("proto_descriptor_bin: " + Base64.getEncoder().encodeToString(new byte[] {1, 2, 3})
                        + "\nservices: [bookstore.Bookstore]").path());
    }

    @Test
    void servicesMustBeInTheDescriptorSet() {
        TranslationException e = refused("proto_descriptor: " + descriptor + "\nservices: [bookstore.Bookstore, bookstore.Nope]");
        assertEquals(FILTER + ".services[1]", e.path());
        assertTrue(e.getMessage().contains("bookstore.Nope"), e.getMessage());
    }

    @Test
    void sizeLimitsMustBePositive() {
        assertEquals(FILTER + ".max_request_body_size",
                refused("proto_descriptor: " + descriptor + "\nmax_request_body_size: 0").path());
        assertEquals(FILTER + ".max_response_body_size",
                refused("proto_descriptor: " + descriptor + "\nmax_response_body_size: 0").path());
    }

    @Test
    void captureUnknownQueryParametersIsWarnedAbout() {
        var loaded = new BootstrapLoader().loadString(bootstrap("proto_descriptor: " + descriptor
                + "\nservices: [bookstore.Bookstore]\ncapture_unknown_query_parameters: true"), "t.yaml");
        assertTrue(loaded.warnings().stream().anyMatch(w -> w.contains(FILTER + ".capture_unknown_query_parameters")),
                loaded.warnings().toString());
    }
}

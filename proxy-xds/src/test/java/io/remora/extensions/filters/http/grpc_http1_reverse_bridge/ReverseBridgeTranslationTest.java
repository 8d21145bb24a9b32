package io.remora.extensions.filters.http.grpc_http1_reverse_bridge;

import io.remora.config.HttpConnectionManagerConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reverse bridge's FilterConfig as Envoy validates it, refused ones naming the field. */
class ReverseBridgeTranslationTest {

    static final String TYPE = "type.googleapis.com/envoy.extensions.filters.http.grpc_http1_reverse_bridge.v3.FilterConfig";
    static final String FILTER = "http_filters[0].typed_config";

    static String bootstrap(String body) {
        return HcmListenerYaml.listener("",
                HcmListenerYaml.filter(ReverseBridgeConfig.NAME, TYPE, body),
                HcmListenerYaml.catchAllHost("", "route: { cluster: c1 }")) + HcmListenerYaml.CLUSTER_C1;
    }

    static ReverseBridgeConfig config(String body) {
        var model = new BootstrapLoader().loadString(bootstrap(body), "test.yaml").model();
        var hcm = (HttpConnectionManagerConfig) model.listeners().get(0).filterChains().get(0).terminalFilter();
        return (ReverseBridgeConfig) hcm.httpFilters().get(0).config();
    }

    static String refused(String body) {
        return assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(bootstrap(body), "test.yaml")).getMessage();
    }

    @Test
    void everyField() {
        assertEquals(new ReverseBridgeConfig("application/x-protobuf", true, "x-size"), config("""
                content_type: application/x-protobuf
                withhold_grpc_frames: true
                response_size_header: X-Size
                """));
        assertEquals(new ReverseBridgeConfig("application/json", false, null), config("content_type: application/json"));
    }

    @Test
    void contentTypeIsRequired() {
        String m = refused("withhold_grpc_frames: true");
        assertTrue(m.contains(FILTER + ".content_type"), m);
    }

    @Test
    void sizeHeaderMustBeAHeaderName() {
        String m = refused("content_type: a/b\nresponse_size_header: \"bad header\"");
        assertTrue(m.contains(FILTER + ".response_size_header"), m);
    }
}

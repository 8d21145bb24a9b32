package io.remora.xds.bootstrap;

import io.remora.extensions.Extension;
import io.remora.extensions.ExtensionRegistry;
import io.remora.extensions.HttpFilterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

class EnvoyTypeRegistryTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "envoy.extensions.filters.http.router.v3.Router",
            "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
            "envoy.config.route.v3.RouteAction.RequestMirrorPolicy",
            "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
            "envoy.extensions.access_loggers.stream.v3.StdoutAccessLog",
            "envoy.extensions.compression.brotli.compressor.v3.Brotli",
            "envoy.config.trace.v3.ZipkinConfig",
            "envoy.admin.v3.ListenersConfigDump",
            "udpa.type.v1.TypedStruct",
            "xds.type.v3.TypedStruct",
            "xds.type.matcher.v3.IPMatcher",
            "google.protobuf.StringValue",
            "stats.PluginConfig", // Istio's, from the extensions' own descriptors
            "io.istio.http.peer_metadata.Config"})
    void resolvesByName(String name) {
        assertEquals(name, EnvoyTypeRegistry.find("type.googleapis.com/" + name).getFullName());
    }

    @ParameterizedTest
    @ValueSource(strings = {"envoy.extensions.filters.http.nope.v3.Nope", "envoy.config.route.v3", ""})
    void unknownIsNull(String name) {
        assertNull(EnvoyTypeRegistry.find("type.googleapis.com/" + name));
    }

    /**
     * Extensions name their config types as strings (so that start-up builds no descriptor a config
     * does not use): each name must be a message this build can read, spelled as its descriptor.
     */
    @Test
    void everyExtensionConfigTypeResolves() {
        for (Extension e : ExtensionRegistry.get().all()) {
            java.util.List<String> types = new java.util.ArrayList<>(e.configTypes());
            if (e instanceof HttpFilterExtension<?> h) {
                types.addAll(h.perRouteConfigTypes());
            }
            for (String t : types) {
                var d = EnvoyTypeRegistry.find("type.googleapis.com/" + t);
                assertNotNull(d, e.getClass().getSimpleName() + ": " + t);
                assertEquals(t, d.getFullName(), e.getClass().getSimpleName());
            }
        }
    }
}

package io.remora.xds;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

public final class TestResources {

    private TestResources() {
    }

    public static String text(String name) {
        try (InputStream in = TestResources.class.getResourceAsStream("/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path path(String name) {
        try {
            return Path.of(TestResources.class.getResource("/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The dynamic listeners of the real sidecar's dump ({@code istio/sidecar-listeners.json}), as Listener protos. */
    public static List<io.envoyproxy.envoy.config.listener.v3.Listener> sidecarListeners() {
        try {
            com.google.gson.JsonObject root = io.remora.xds.bootstrap.ConfigDocuments.parseJson(
                    text("istio/sidecar-listeners.json"), "sidecar-listeners");
            io.envoyproxy.envoy.admin.v3.ConfigDump dump = io.remora.xds.bootstrap.ProtoJson.merge(root,
                    io.envoyproxy.envoy.admin.v3.ConfigDump.newBuilder(), io.remora.xds.translate.FieldPath.ROOT,
                    io.remora.xds.translate.TranslationContext.lenient()).build();
            io.envoyproxy.envoy.admin.v3.ListenersConfigDump ld = dump.getConfigs(0)
                    .unpack(io.envoyproxy.envoy.admin.v3.ListenersConfigDump.class);
            List<io.envoyproxy.envoy.config.listener.v3.Listener> out = new ArrayList<>();
            for (var d : ld.getDynamicListenersList()) {
                out.add(d.getActiveState().getListener().unpack(io.envoyproxy.envoy.config.listener.v3.Listener.class));
            }
            return out;
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }
}

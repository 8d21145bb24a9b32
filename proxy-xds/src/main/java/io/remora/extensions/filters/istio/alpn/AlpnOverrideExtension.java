package io.remora.extensions.filters.istio.alpn;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Message;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.filters.istio.common.IstioProtos;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Istio's {@code istio.alpn} HTTP filter, read by istio/api's field numbers
 * ({@code alpn_override} 1: {@code upstream_protocol} 1, {@code alpn_override} 2).
 */
public final class AlpnOverrideExtension implements HttpFilterExtension<AlpnOverrideConfig> {

    static final String NAME = "istio.alpn";

    @Override
    public List<String> names() {
        return List.of(NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of(IstioProtos.ALPN_NAME);
    }

    @Override
    public List<Descriptor> descriptors() {
        return IstioProtos.all();
    }

    @Override
    public AlpnOverrideConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        Map<String, List<String>> out = new HashMap<>();
        if (config != null) {
            Message m = config.unpack(IstioProtos.ALPN, path);
            List<Message> overrides = IstioProtos.repeated(m, "alpn_override");
            for (int i = 0; i < overrides.size(); i++) {
                Message o = overrides.get(i);
                String protocol = IstioProtos.enumName(o, "upstream_protocol");
                if (!protocol.startsWith("HTTP")) {
                    throw path.field("alpn_override").index(i).field("upstream_protocol")
                            .error("unknown protocol " + protocol);
                }
                if (out.put(protocol, List.copyOf(IstioProtos.<String>repeated(o, "alpn_override"))) != null) {
                    throw path.field("alpn_override").index(i).field("upstream_protocol")
                            .error("a second override for " + protocol);
                }
            }
        }
        return new AlpnOverrideConfig(NAME, out);
    }

    @Override
    public HttpFilterFactory.Provider<AlpnOverrideConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<AlpnOverrideConfig> configType() {
                return AlpnOverrideConfig.class;
            }

            @Override
            public HttpFilterFactory create(AlpnOverrideConfig config, ServerContext context) {
                return () -> new AlpnOverrideFilter(config);
            }
        };
    }
}

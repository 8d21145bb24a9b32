package io.remora.extensions.filters.istio.connect;

import com.google.protobuf.Descriptors.Descriptor;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.filters.istio.common.IstioProtos;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/** Istio's {@code connect_baggage} HTTP filter ({@code io.istio.http.connect_baggage.Config}, in a TypedStruct). */
public final class ConnectBaggageExtension implements HttpFilterExtension<ConnectBaggageConfig> {

    static final String NAME = "connect_baggage";

    @Override
    public List<String> names() {
        return List.of(NAME, "envoy.filters.http.connect_baggage");
    }

    @Override
    public List<String> configTypes() {
        return List.of(IstioProtos.CONNECT_BAGGAGE_NAME);
    }

    @Override
    public List<Descriptor> descriptors() {
        return IstioProtos.all();
    }

    @Override
    public ConnectBaggageConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config != null) {
            config.unpack(IstioProtos.CONNECT_BAGGAGE, path);
        }
        return new ConnectBaggageConfig(NAME);
    }

    @Override
    public HttpFilterFactory.Provider<ConnectBaggageConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<ConnectBaggageConfig> configType() {
                return ConnectBaggageConfig.class;
            }

            @Override
            public HttpFilterFactory create(ConnectBaggageConfig config, ServerContext context) {
                return ConnectBaggageFilter::new;
            }
        };
    }
}

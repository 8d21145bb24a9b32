package io.remora.extensions.filters.http.decompressor;

import io.envoyproxy.envoy.extensions.filters.http.decompressor.v3.Decompressor;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.compression.Codec;
import io.remora.extensions.compression.CodecTranslator;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/** {@code envoy.filters.http.decompressor}. */
public final class DecompressorExtension implements HttpFilterExtension<DecompressorConfig> {

    @Override
    public List<String> names() {
        return List.of(DecompressorConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.http.decompressor.v3.Decompressor");
    }

    @Override
    public DecompressorConfig translate(TypedConfig typed, FieldPath path, TranslationContext ctx) {
        if (typed == null) {
            throw path.error("missing required field: the decompressor needs a typed_config with decompressor_library");
        }
        Decompressor d = typed.unpack(Decompressor.class, path);
        if (!d.hasDecompressorLibrary()) {
            throw path.field("decompressor_library").error("missing required field");
        }
        Codec codec = CodecTranslator.decompressorLibrary(d.getDecompressorLibrary(),
                path.field("decompressor_library"));
        var req = d.getRequestDirectionConfig();
        var resp = d.getResponseDirectionConfig();
        FieldPath rp = path.field("request_direction_config").field("common_config").field("enabled");
        FieldPath sp = path.field("response_direction_config").field("common_config").field("enabled");
        boolean reqEnabled = !req.getCommonConfig().hasEnabled() || flag(req.getCommonConfig().getEnabled(), rp);
        boolean respEnabled = !resp.getCommonConfig().hasEnabled() || flag(resp.getCommonConfig().getEnabled(), sp);
        return new DecompressorConfig(codec, d.getDecompressorLibrary().getName(), reqEnabled,
                req.getCommonConfig().getEnabled().getRuntimeKey(), req.getCommonConfig().getIgnoreNoTransformHeader(),
                Protos.bool(req.hasAdvertiseAcceptEncoding(), req.getAdvertiseAcceptEncoding(), true),
                respEnabled, resp.getCommonConfig().getEnabled().getRuntimeKey(),
                resp.getCommonConfig().getIgnoreNoTransformHeader());
    }

    /** A RuntimeFeatureFlag's default; its runtime_key is kept beside it and read per stream. */
    private static boolean flag(io.envoyproxy.envoy.config.core.v3.RuntimeFeatureFlag f, FieldPath path) {
        if (!f.hasDefaultValue()) {
            throw path.field("default_value").error("missing required field");
        }
        if (f.getRuntimeKey().isEmpty()) {
            throw path.field("runtime_key").error("must not be empty");
        }
        return f.getDefaultValue().getValue();
    }

    @Override
    public HttpFilterFactory.Provider<DecompressorConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<DecompressorConfig> configType() {
                return DecompressorConfig.class;
            }

            @Override
            public HttpFilterFactory create(DecompressorConfig config, ServerContext context) {
                return new DecompressorFilterFactory(config, context.stats().meterRegistry());
            }
        };
    }
}

package io.remora.extensions.filters.http.compressor;

import io.envoyproxy.envoy.config.core.v3.RuntimeFeatureFlag;
import io.envoyproxy.envoy.extensions.filters.http.compressor.v3.Compressor;
import io.envoyproxy.envoy.extensions.filters.http.compressor.v3.CompressorPerRoute;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.compression.Codec;
import io.remora.extensions.compression.CodecTranslator;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code envoy.filters.http.compressor} and its per-route {@code CompressorPerRoute}. */
public final class CompressorExtension implements HttpFilterExtension<CompressorConfig> {

    /** Envoy registers it as an upstream HTTP filter too (its envoy-otel-http example compresses OTLP requests). */
    @Override
    public boolean runsUpstream() {
        return true;
    }

    @Override
    public List<String> names() {
        return List.of(CompressorConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.http.compressor.v3.Compressor");
    }

    @Override
    public List<String> perRouteConfigTypes() {
        return List.of("envoy.extensions.filters.http.compressor.v3.CompressorPerRoute");
    }

    @Override
    public CompressorConfig translate(TypedConfig typed, FieldPath path, TranslationContext ctx) {
        if (typed == null) {
            throw path.error("missing required field: the compressor needs a typed_config with compressor_library");
        }
        Compressor c = typed.unpack(Compressor.class, path);
        if (!c.hasCompressorLibrary()) {
            throw path.field("compressor_library").error("missing required field");
        }
        Codec codec = CodecTranslator.compressorLibrary(c.getCompressorLibrary(), path.field("compressor_library"));
        CompressorDirection request;
        if (c.hasRequestDirectionConfig()) {
            request = direction(c.getRequestDirectionConfig().getCommonConfig(),
                    path.field("request_direction_config").field("common_config"));
        } else {
            request = new CompressorDirection(false, "", CompressorDirection.DEFAULT_MIN_CONTENT_LENGTH,
                    Set.copyOf(CompressorDirection.DEFAULT_CONTENT_TYPES));
        }
        CompressorDirection response;
        boolean disableOnEtag;
        boolean removeAcceptEncoding;
        Set<Integer> uncompressibleCodes = Set.of();
        if (c.hasResponseDirectionConfig()) {
            var r = c.getResponseDirectionConfig();
            response = direction(r.getCommonConfig(), path.field("response_direction_config").field("common_config"));
            disableOnEtag = r.getDisableOnEtagHeader();
            removeAcceptEncoding = r.getRemoveAcceptEncodingHeader();
            uncompressibleCodes = responseCodes(r.getUncompressibleResponseCodesList(),
                    path.field("response_direction_config").field("uncompressible_response_codes"));
        } else {
            // The deprecated top-level fields, which Envoy reads when response_direction_config is absent.
            response = new CompressorDirection(
                    !c.hasRuntimeEnabled() || flag(c.getRuntimeEnabled(), path.field("runtime_enabled")),
                    c.getRuntimeEnabled().getRuntimeKey(),
                    minLength(c.hasContentLength(), c.getContentLength().getValue()),
                    contentTypes(c.getContentTypeList()));
            disableOnEtag = c.getDisableOnEtagHeader();
            removeAcceptEncoding = c.getRemoveAcceptEncodingHeader();
        }
        return new CompressorConfig(codec, c.getCompressorLibrary().getName(), request, response,
                c.hasResponseDirectionConfig(), disableOnEtag, removeAcceptEncoding, c.getChooseFirst(),
                uncompressibleCodes);
    }

    /** Envoy's validation: unique codes in [200, 600). */
    private static Set<Integer> responseCodes(List<Integer> codes, FieldPath path) {
        Set<Integer> out = new HashSet<>();
        for (int i = 0; i < codes.size(); i++) {
            long code = Integer.toUnsignedLong(codes.get(i));
            if (code < 200 || code >= 600) {
                throw path.index(i).error("must be in [200, 600), got " + code);
            }
            if (!out.add((int) code)) {
                throw path.index(i).error("duplicate response code " + code);
            }
        }
        return out;
    }

    private static CompressorDirection direction(Compressor.CommonDirectionConfig d, FieldPath path) {
        boolean enabled = !d.hasEnabled() || flag(d.getEnabled(), path.field("enabled"));
        return new CompressorDirection(enabled, d.getEnabled().getRuntimeKey(),
                minLength(d.hasMinContentLength(), d.getMinContentLength().getValue()),
                contentTypes(d.getContentTypeList()));
    }

    /** Envoy: an unset or zero minimum means 30. */
    private static long minLength(boolean has, int value) {
        long v = Integer.toUnsignedLong(value);
        return has && v > 0 ? v : CompressorDirection.DEFAULT_MIN_CONTENT_LENGTH;
    }

    private static Set<String> contentTypes(List<String> configured) {
        List<String> src = configured.isEmpty() ? CompressorDirection.DEFAULT_CONTENT_TYPES : configured;
        Set<String> out = new HashSet<>();
        for (String t : src) {
            out.add(t.trim().toLowerCase(Locale.ROOT));
        }
        return out;
    }

    /** A RuntimeFeatureFlag's default; its runtime_key is kept beside it and read per stream. */
    static boolean flag(RuntimeFeatureFlag f, FieldPath path) {
        if (!f.hasDefaultValue()) {
            throw path.field("default_value").error("missing required field");
        }
        if (f.getRuntimeKey().isEmpty()) {
            throw path.field("runtime_key").error("must not be empty");
        }
        return f.getDefaultValue().getValue();
    }

    @Override
    public RouteFilterConfig translatePerRoute(TypedConfig typed, FieldPath path, TranslationContext ctx) {
        CompressorPerRoute p = typed.unpack(CompressorPerRoute.class, path);
        return switch (p.getOverrideCase()) {
            case DISABLED -> {
                if (!p.getDisabled()) {
                    throw path.field("disabled").error("must be true when set");
                }
                yield new CompressorPerRouteConfig(false, null);
            }
            case OVERRIDES -> {
                var o = p.getOverrides();
                if (!o.hasResponseDirectionConfig()) {
                    yield new CompressorPerRouteConfig(null, null);
                }
                var r = o.getResponseDirectionConfig();
                yield new CompressorPerRouteConfig(true, r.hasRemoveAcceptEncodingHeader()
                        ? Protos.bool(true, r.getRemoveAcceptEncodingHeader(), false) : null);
            }
            case OVERRIDE_NOT_SET -> throw path.error("missing required field: one of disabled, overrides");
        };
    }

    @Override
    public HttpFilterFactory.Provider<CompressorConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<CompressorConfig> configType() {
                return CompressorConfig.class;
            }

            @Override
            public HttpFilterFactory create(CompressorConfig config, ServerContext context) {
                return new CompressorFilterFactory(config, context.stats().meterRegistry());
            }
        };
    }
}

package io.remora.extensions.filters.http.cache;

import io.envoyproxy.envoy.extensions.filters.http.cache.v3.CacheConfig;
import io.remora.config.StringMatcher;
import io.remora.extensions.HttpFilterExtension;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.HeaderTranslator;
import io.remora.xds.translate.StringMatcherTranslator;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code envoy.filters.http.cache} ({@code envoy.extensions.filters.http.cache.v3.CacheConfig})
 * with {@code envoy.extensions.http.cache.simple_http_cache.v3.SimpleHttpCacheConfig} storage, the
 * only one built: another storage refuses the config at {@code typed_config}, since the filter
 * cannot run without it (Envoy refuses an unknown one too).
 */
public final class CacheExtension implements HttpFilterExtension<CacheFilterConfig> {

    static final String SIMPLE = "envoy.extensions.http.cache.simple_http_cache.v3.SimpleHttpCacheConfig";
    private static final String FILE_SYSTEM =
            "envoy.extensions.http.cache.file_system_http_cache.v3.FileSystemHttpCacheConfig";

    @Override
    public List<String> names() {
        return List.of(CacheFilterConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.http.cache.v3.CacheConfig");
    }

    @Override
    public CacheFilterConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field: the cache filter needs a typed_config");
        }
        CacheConfig c = config.unpack(CacheConfig.class, path);
        boolean disabled = c.hasDisabled() && c.getDisabled().getValue();
        FieldPath tp = path.field("typed_config");
        if (c.hasTypedConfig()) {
            TypedConfig storage = TypedConfig.of(c.getTypedConfig(), tp);
            if (FILE_SYSTEM.equals(storage.typeName())) {
                // What a client sees is the same; only where entries live (and their bounds) differs.
                ctx.warnOnce("cache:file_system", "the file system cache storage is not built: responses are cached"
                        + " in memory, within the simple cache's bounds (first at " + tp + ")");
            } else if (!SIMPLE.equals(storage.typeName())) {
                throw tp.error("unsupported cache storage '" + storage.typeName() + "': only " + SIMPLE + " is built");
            }
        } else if (!disabled) {
            throw tp.error("missing required field: the cache storage, required unless disabled");
        }
        List<StringMatcher> vary = new ArrayList<>();
        for (int i = 0; i < c.getAllowedVaryHeadersCount(); i++) {
            vary.add(StringMatcherTranslator.translate(c.getAllowedVaryHeaders(i),
                    path.field("allowed_vary_headers").index(i)));
        }
        CacheKeyParams key = CacheKeyParams.DEFAULT;
        if (c.hasKeyCreatorParams()) {
            var k = c.getKeyCreatorParams();
            FieldPath kp = path.field("key_creator_params");
            key = new CacheKeyParams(k.getExcludeScheme(), k.getExcludeHost(),
                    HeaderTranslator.queryParameters(k.getQueryParametersIncludedList(),
                            kp.field("query_parameters_included")),
                    HeaderTranslator.queryParameters(k.getQueryParametersExcludedList(),
                            kp.field("query_parameters_excluded")));
        }
        return new CacheFilterConfig(disabled, vary, key, Integer.toUnsignedLong(c.getMaxBodyBytes()),
                c.getIgnoreRequestCacheControlHeader());
    }

    @Override
    public HttpFilterFactory.Provider<CacheFilterConfig> runtime() {
        return new CacheFilterProvider();
    }
}

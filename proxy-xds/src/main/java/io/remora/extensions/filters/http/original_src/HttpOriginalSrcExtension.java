package io.remora.extensions.filters.http.original_src;

import io.envoyproxy.envoy.extensions.filters.http.original_src.v3.OriginalSrc;
import io.remora.extensions.HttpFilterExtension;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/** {@code envoy.filters.http.original_src}: a request's upstream connections take the client's IP as source. */
public final class HttpOriginalSrcExtension implements HttpFilterExtension<HttpOriginalSrcConfig> {

    @Override
    public List<String> names() {
        return List.of(HttpOriginalSrcConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.http.original_src.v3.OriginalSrc");
    }

    @Override
    public HttpOriginalSrcConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        return new HttpOriginalSrcConfig(config == null ? 0 : config.unpack(OriginalSrc.class, path).getMark());
    }

    @Override
    public HttpFilterFactory.Provider<HttpOriginalSrcConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<HttpOriginalSrcConfig> configType() {
                return HttpOriginalSrcConfig.class;
            }

            @Override
            public HttpFilterFactory create(HttpOriginalSrcConfig config, ServerContext context) {
                return () -> new HttpOriginalSrcFilter(config.mark());
            }
        };
    }
}

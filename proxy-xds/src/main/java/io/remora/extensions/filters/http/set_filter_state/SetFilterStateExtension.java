package io.remora.extensions.filters.http.set_filter_state;

import io.envoyproxy.envoy.extensions.filters.http.set_filter_state.v3.Config;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.HttpFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.filters.common.set_filter_state.FilterStateValues;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.http.filter.StreamDecoderFilter;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/**
 * {@code envoy.filters.http.set_filter_state}: on request headers, stores formatted values (e.g.
 * {@code %REQ(x-tenant)%}) in the request's filter state for later filters, routing and logs.
 * Values shared with the upstream go with the request's upstream connection (pools keyed by the
 * hashable ones: {@link io.remora.http.upstream.PoolOptions}).
 */
public final class SetFilterStateExtension implements HttpFilterExtension<SetFilterStateExtension.SetFilterStateConfig> {

    record SetFilterStateConfig(FilterStateValues onRequestHeaders) implements HttpFilterConfig {
        @Override
        public String filterName() {
            return "envoy.filters.http.set_filter_state";
        }
    }

    @Override
    public List<String> names() {
        return List.of("envoy.filters.http.set_filter_state");
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.http.set_filter_state.v3.Config");
    }

    @Override
    public SetFilterStateConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        Config c = config == null ? Config.getDefaultInstance() : config.unpack(Config.class, path);
        FilterStateValues values = FilterStateValues.translate(c.getOnRequestHeadersList(),
                path.field("on_request_headers"), ctx);
        return new SetFilterStateConfig(values);
    }

    @Override
    public HttpFilterFactory.Provider<SetFilterStateConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<SetFilterStateConfig> configType() {
                return SetFilterStateConfig.class;
            }

            @Override
            public HttpFilterFactory create(SetFilterStateConfig config, ServerContext context) {
                FilterStateValues.Setter setter = config.onRequestHeaders().compile();
                return () -> new StreamDecoderFilter() {
                    private DecoderFilterCallbacks cb;

                    @Override
                    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
                        this.cb = callbacks;
                    }

                    @Override
                    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
                        setter.apply(cb.streamInfo(), cb.filterState());
                        return FilterStatus.CONTINUE;
                    }
                };
            }
        };
    }
}

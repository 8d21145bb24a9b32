package io.remora.e2e;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.HttpFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.http.filter.StreamDecoderFilter;
import io.remora.network.FilterState;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;
import java.util.Map;

/**
 * Test only: stands in for what Istio's mTLS and JWT filters leave for authorization, taken from
 * request headers so a plaintext test client can choose it: {@code x-test-peer} becomes the
 * filter state {@code io.istio.peer_principal}, {@code x-test-iss} the dynamic metadata
 * {@code istio_authn / request.auth.claims / iss}. Registered by name ({@value #NAME}, no typed_config)
 * through the test class path's {@code META-INF/services}.
 */
public final class TestIdentityFilterExtension implements HttpFilterExtension<TestIdentityFilterExtension.Config> {

    public static final String NAME = "remora.test.identity_from_headers";

    public record Config() implements HttpFilterConfig {
        @Override
        public String filterName() {
            return NAME;
        }
    }

    @Override
    public List<String> names() {
        return List.of(NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of();
    }

    @Override
    public Config translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        return new Config();
    }

    @Override
    public HttpFilterFactory.Provider<Config> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<Config> configType() {
                return Config.class;
            }

            @Override
            public HttpFilterFactory create(Config config, io.remora.server.ServerContext context) {
                return Filter::new;
            }
        };
    }

    static final class Filter implements StreamDecoderFilter {
        private DecoderFilterCallbacks cb;

        @Override
        public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
            this.cb = callbacks;
        }

        @Override
        public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
            CharSequence peer = headers.get("x-test-peer");
            if (peer != null) {
                cb.filterState().set("io.istio.peer_principal", peer.toString(), FilterState.Mutability.READ_ONLY);
            }
            CharSequence iss = headers.get("x-test-iss");
            if (iss != null) {
                cb.streamInfo().setDynamicMetadata("istio_authn", "request.auth.claims",
                        Map.of("iss", List.of(iss.toString())));
            }
            return FilterStatus.CONTINUE;
        }
    }
}

package io.remora.extensions.filters.http.oauth2;

import io.micrometer.core.instrument.Counter;
import io.remora.config.HeaderMatcher;
import io.remora.config.SecretConfig;
import io.remora.extensions.filters.http.common.HcmCounters;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.route.CompiledHeaderMatcher;
import io.remora.route.HeaderFormatter;
import io.remora.server.ServerContext;
import io.remora.tls.SecretManager;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** Builds the per-stream {@link OAuth2Filter}s of one configured oauth2 filter. */
final class OAuth2FilterProvider implements HttpFilterFactory.Provider<OAuth2FilterConfig> {

    @Override
    public Class<OAuth2FilterConfig> configType() {
        return OAuth2FilterConfig.class;
    }

    @Override
    public HttpFilterFactory create(OAuth2FilterConfig config, ServerContext context) {
        Shared shared = new Shared(config, context);
        return () -> new OAuth2Filter(shared);
    }

    /** What every stream of one configured filter shares: compiled matchers, counters, the secrets. */
    static final class Shared {
        /** Indexes in {@link #counters}: Envoy's {@code http.<stat_prefix>.oauth_*}. */
        static final int UNAUTHORIZED_RQ = 0;
        static final int FAILURE = 1;
        static final int PASSTHROUGH = 2;
        static final int SUCCESS = 3;
        static final int REFRESH_SUCCESS = 4;
        static final int REFRESH_FAILURE = 5;

        final OAuth2FilterConfig config;
        final List<CompiledHeaderMatcher> passThrough;
        final List<CompiledHeaderMatcher> denyRedirect;
        final HeaderFormatter redirectUri;
        private final HcmCounters counters;
        private final SecretManager secrets;
        /** Shared by the workers' event loops: replaced whole, read once. */
        private volatile HmacBytes hmacBytes;
        private final java.util.concurrent.atomic.AtomicBoolean warned = new java.util.concurrent.atomic.AtomicBoolean();

        Shared(OAuth2FilterConfig config, ServerContext context) {
            this.config = config;
            this.passThrough = compile(config.passThrough());
            this.denyRedirect = compile(config.denyRedirect());
            this.redirectUri = HeaderFormatter.compile(config.redirectUri());
            this.counters = new HcmCounters(context.stats().meterRegistry(), "envoy_http_oauth_unauthorized_rq",
                    "envoy_http_oauth_failure", "envoy_http_oauth_passthrough", "envoy_http_oauth_success",
                    "envoy_http_oauth_refreshtoken_success", "envoy_http_oauth_refreshtoken_failure");
            this.secrets = context.secrets();
        }

        private static List<CompiledHeaderMatcher> compile(List<HeaderMatcher> in) {
            return in.stream().map(CompiledHeaderMatcher::forRequest).toList();
        }

        Counter counter(String hcmPrefix, int index) {
            return counters.of(hcmPrefix)[index];
        }

        /** The generic secret of that name as it is now, or null while it has not arrived. */
        String secret(String name) {
            SecretConfig s = secrets == null ? null : secrets.get(name);
            return s == null ? null : s.genericSecret();
        }

        /** Says once per configured filter that requests are refused for want of a generic secret. */
        void warnMissingSecret(String name) {
            if (!warned.getAndSet(true)) {
                OAuth2Filter.LOG.warning("oauth2: no generic secret '" + name + "' (static_resources.secrets);"
                        + " refusing requests until it arrives");
            }
        }

        /** The HMAC secret's bytes, converted again only when the secret changes. */
        byte[] hmacSecret() {
            String s = secret(config.hmacSecret());
            HmacBytes cached = hmacBytes;
            if (s == null) {
                return null;
            }
            if (cached == null || cached.source != s) {
                cached = new HmacBytes(s, s.getBytes(StandardCharsets.UTF_8));
                hmacBytes = cached;
            }
            return cached.bytes;
        }

        private record HmacBytes(String source, byte[] bytes) {
        }
    }
}

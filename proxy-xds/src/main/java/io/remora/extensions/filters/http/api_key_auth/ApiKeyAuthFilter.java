package io.remora.extensions.filters.http.api_key_auth;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.extensions.filters.http.common.HcmCounters;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamDecoderFilter;

import java.util.List;
import java.util.Map;

/**
 * Envoy's api_key_auth on one request: the most specific {@code ApiKeyAuthPerRoute} replaces the
 * filter's credentials and key sources it gives; the key of the first source that has one must be
 * a known credential (else 401), and its client one the route allows (else 403).
 */
final class ApiKeyAuthFilter implements StreamDecoderFilter {
    private static final String FAILED = "Client authentication failed.";

    private final ApiKeyAuthConfig config;
    private final HcmCounters counters;
    private DecoderFilterCallbacks cb;

    ApiKeyAuthFilter(ApiKeyAuthConfig config, HcmCounters counters) {
        this.config = config;
        this.counters = counters;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        Map<String, String> credentials = config.credentials();
        List<KeySource> sources = config.keySources();
        ApiKeyAuthPerRouteConfig route = cb.perFilterConfig() instanceof ApiKeyAuthPerRouteConfig r ? r : null;
        if (route != null) {
            if (route.credentials() != null) {
                credentials = route.credentials();
            }
            if (!route.keySources().isEmpty()) {
                sources = route.keySources();
            }
        }
        if (sources.isEmpty()) {
            return denied(401, FAILED, "missing_key_sources");
        }
        if (credentials == null) {
            return denied(401, FAILED, "missing_credentials");
        }
        String key = null;
        for (int i = 0; i < sources.size() && key == null; i++) {
            key = sources.get(i).key(headers);
        }
        if (key == null) {
            return denied(401, FAILED, "missing_api_key");
        }
        String client = credentials.get(key);
        if (client == null) {
            // Envoy's spelling of this detail.
            return denied(401, FAILED, "unkonwn_api_key");
        }
        if (route != null && !route.allowedClients().isEmpty() && !route.allowedClients().contains(client)) {
            return denied(403, "Client is forbidden.", "client_not_allowed");
        }
        counters.of(cb.connectionManagerStats().prefix())[ApiKeyAuthFilterProvider.ALLOWED].increment();
        return FilterStatus.CONTINUE;
    }

    private FilterStatus denied(int status, String body, String details) {
        int counter = status == 401 ? ApiKeyAuthFilterProvider.UNAUTHORIZED : ApiKeyAuthFilterProvider.FORBIDDEN;
        counters.of(cb.connectionManagerStats().prefix())[counter].increment();
        cb.sendLocalReply(status, body, null, details);
        return FilterStatus.STOP_ITERATION;
    }
}

package io.remora.extensions.filters.http.api_key_auth;

import io.envoyproxy.envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuth;
import io.envoyproxy.envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuthPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.api_key_auth.v3.Credential;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** {@code envoy.filters.http.api_key_auth}, with its per-route credentials, key sources and allowed clients. */
public final class ApiKeyAuthExtension implements HttpFilterExtension<ApiKeyAuthConfig> {

    private static final int MAX_NAME = 1024;

    @Override
    public List<String> names() {
        return List.of(ApiKeyAuthConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuth");
    }

    @Override
    public boolean enforcesAccess() {
        return true;
    }

    @Override
    public List<String> perRouteConfigTypes() {
        return List.of("envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuthPerRoute");
    }

    @Override
    public ApiKeyAuthConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field (credentials, key_sources)");
        }
        ApiKeyAuth c = config.unpack(ApiKeyAuth.class, path);
        return new ApiKeyAuthConfig(credentials(c.getCredentialsList(), path.field("credentials")),
                keySources(c.getKeySourcesList(), path.field("key_sources")));
    }

    @Override
    public RouteFilterConfig translatePerRoute(TypedConfig config, FieldPath path, TranslationContext ctx) {
        ApiKeyAuthPerRoute c = config.unpack(ApiKeyAuthPerRoute.class, path);
        return new ApiKeyAuthPerRouteConfig(credentials(c.getCredentialsList(), path.field("credentials")),
                keySources(c.getKeySourcesList(), path.field("key_sources")), Set.copyOf(c.getAllowedClientsList()));
    }

    /** Key → client; null when there are none (Envoy then has no credentials to override with). */
    private static Map<String, String> credentials(List<Credential> list, FieldPath path) {
        if (list.isEmpty()) {
            return null;
        }
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            Credential cr = list.get(i);
            FieldPath p = path.index(i);
            if (cr.getKey().isEmpty()) {
                throw p.field("key").error("missing required field");
            }
            if (cr.getClient().isEmpty()) {
                throw p.field("client").error("missing required field");
            }
            // The key itself is a secret: the error names where it is, not what it is.
            if (out.putIfAbsent(cr.getKey(), cr.getClient()) != null) {
                throw p.field("key").error("duplicate API key");
            }
        }
        return Map.copyOf(out);
    }

    private static List<KeySource> keySources(
            List<io.envoyproxy.envoy.extensions.filters.http.api_key_auth.v3.KeySource> list, FieldPath path) {
        List<KeySource> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            var s = list.get(i);
            FieldPath p = path.index(i);
            if (!s.getHeader().isEmpty()) {
                out.add(new KeySource(KeySource.Kind.HEADER,
                        name(s.getHeader(), p.field("header")).toLowerCase(Locale.ROOT)));
            } else if (!s.getQuery().isEmpty()) {
                if (s.getQuery().length() > MAX_NAME) {
                    throw p.field("query").error("longer than " + MAX_NAME + " characters");
                }
                out.add(new KeySource(KeySource.Kind.QUERY, s.getQuery()));
            } else if (!s.getCookie().isEmpty()) {
                out.add(new KeySource(KeySource.Kind.COOKIE, name(s.getCookie(), p.field("cookie"))));
            } else {
                throw p.error("One of 'header'/'query'/'cookie' must be set.");
            }
        }
        return List.copyOf(out);
    }

    /** Envoy's non-strict HTTP_HEADER_NAME rule: no NUL, CR or LF. */
    private static String name(String name, FieldPath path) {
        if (name.length() > MAX_NAME) {
            throw path.error("longer than " + MAX_NAME + " characters");
        }
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (ch == 0 || ch == '\r' || ch == '\n') {
                throw path.error("invalid name '" + name + "'");
            }
        }
        return name;
    }

    @Override
    public HttpFilterFactory.Provider<ApiKeyAuthConfig> runtime() {
        return new ApiKeyAuthFilterProvider();
    }
}

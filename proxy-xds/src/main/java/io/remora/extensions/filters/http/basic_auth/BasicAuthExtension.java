package io.remora.extensions.filters.http.basic_auth;

import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.filters.http.basic_auth.v3.BasicAuth;
import io.envoyproxy.envoy.extensions.filters.http.basic_auth.v3.BasicAuthPerRoute;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;
import java.util.Locale;

/** {@code envoy.filters.http.basic_auth}, with its per-route users. */
public final class BasicAuthExtension implements HttpFilterExtension<BasicAuthConfig> {

    @Override
    public List<String> names() {
        return List.of(BasicAuthConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.http.basic_auth.v3.BasicAuth");
    }

    @Override
    public boolean enforcesAccess() {
        return true;
    }

    @Override
    public List<String> perRouteConfigTypes() {
        return List.of("envoy.extensions.filters.http.basic_auth.v3.BasicAuthPerRoute");
    }

    @Override
    public BasicAuthConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field (users)");
        }
        BasicAuth c = config.unpack(BasicAuth.class, path);
        return new BasicAuthConfig(users(c.hasUsers(), c.getUsers(), path.field("users")),
                headerName(c.getForwardUsernameHeader(), path.field("forward_username_header")),
                headerName(c.getAuthenticationHeader(), path.field("authentication_header")));
    }

    @Override
    public RouteFilterConfig translatePerRoute(TypedConfig config, FieldPath path, TranslationContext ctx) {
        BasicAuthPerRoute c = config.unpack(BasicAuthPerRoute.class, path);
        if (!c.hasUsers()) {
            throw path.field("users").error("missing required field");
        }
        return new BasicAuthPerRouteConfig(users(true, c.getUsers(), path.field("users")));
    }

    private static HtpasswdUsers users(boolean has, DataSource users, FieldPath path) {
        String text = has ? Protos.dataSource(users, path) : null;
        try {
            return HtpasswdUsers.parse(text == null ? "" : text);
        } catch (IllegalArgumentException e) {
            throw path.error("basic auth: " + e.getMessage());
        }
    }

    private static String headerName(String name, FieldPath path) {
        if (name.isEmpty()) {
            return null;
        }
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (ch <= ' ' || ch >= 0x7f || ch == ':' && i > 0) {
                throw path.error("invalid header name '" + name + "'");
            }
        }
        return name.toLowerCase(Locale.ROOT);
    }

    @Override
    public HttpFilterFactory.Provider<BasicAuthConfig> runtime() {
        return new BasicAuthFilterProvider();
    }
}

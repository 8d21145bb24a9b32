package io.remora.extensions.filters.http.stateful_session;

import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.extensions.filters.http.stateful_session.v3.StatefulSession;
import io.envoyproxy.envoy.extensions.filters.http.stateful_session.v3.StatefulSessionPerRoute;
import io.envoyproxy.envoy.extensions.http.stateful_session.cookie.v3.CookieBasedSessionState;
import io.envoyproxy.envoy.extensions.http.stateful_session.header.v3.HeaderBasedSessionState;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.time.Duration;
import java.util.List;

/**
 * {@code envoy.filters.http.stateful_session}: a {@code StatefulSession} with a cookie or header
 * session state on the filter; per route {@code StatefulSessionPerRoute} disables it or replaces it.
 */
public final class StatefulSessionExtension implements HttpFilterExtension<StatefulSessionConfig> {

    private static final String TYPE = "envoy.extensions.filters.http.stateful_session.v3.StatefulSession";
    private static final String PER_ROUTE = "envoy.extensions.filters.http.stateful_session.v3.StatefulSessionPerRoute";
    private static final String COOKIE = "envoy.extensions.http.stateful_session.cookie.v3.CookieBasedSessionState";
    private static final String HEADER = "envoy.extensions.http.stateful_session.header.v3.HeaderBasedSessionState";

    @Override
    public List<String> names() {
        return List.of(StatefulSessionConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of(TYPE);
    }

    @Override
    public List<String> perRouteConfigTypes() {
        return List.of(PER_ROUTE);
    }

    @Override
    public StatefulSessionConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field");
        }
        return session(config.unpack(StatefulSession.class, path), path);
    }

    @Override
    public RouteFilterConfig translatePerRoute(TypedConfig config, FieldPath path, TranslationContext ctx) {
        StatefulSessionPerRoute p = config.unpack(StatefulSessionPerRoute.class, path);
        return switch (p.getOverrideCase()) {
            case DISABLED -> {
                if (!p.getDisabled()) {
                    throw path.field("disabled").error("must be true");
                }
                yield StatefulSessionConfig.DISABLED;
            }
            case STATEFUL_SESSION -> session(p.getStatefulSession(), path.field("stateful_session"));
            default -> throw path.error("one of disabled or stateful_session is required");
        };
    }

    /** Without session_state the filter does nothing, as Envoy's. */
    private static StatefulSessionConfig session(StatefulSession s, FieldPath path) {
        if (!s.hasSessionState()) {
            return StatefulSessionConfig.DISABLED;
        }
        FieldPath sp = path.field("session_state");
        TypedExtensionConfig ext = s.getSessionState();
        FieldPath tp = sp.field("typed_config");
        TypedConfig typed = TypedConfig.of(ext.getTypedConfig(), tp);
        if (COOKIE.equals(typed.typeName())) {
            CookieBasedSessionState c = typed.unpack(CookieBasedSessionState.class, tp);
            String name = c.getCookie().getName();
            if (name.isEmpty()) {
                throw tp.field("cookie").field("name").error("must not be empty");
            }
            Duration ttl = Protos.duration(c.getCookie().hasTtl(), c.getCookie().getTtl(), Duration.ZERO);
            return new StatefulSessionConfig(name, c.getCookie().getPath(), ttl, null, s.getStrict());
        }
        if (HEADER.equals(typed.typeName())) {
            String name = typed.unpack(HeaderBasedSessionState.class, tp).getName();
            if (name.isEmpty()) {
                throw tp.field("name").error("must not be empty");
            }
            return new StatefulSessionConfig(null, "", Duration.ZERO, name.toLowerCase(java.util.Locale.ROOT),
                    s.getStrict());
        }
        throw tp.error("unsupported session state " + typed.typeName());
    }

    @Override
    public HttpFilterFactory.Provider<StatefulSessionConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<StatefulSessionConfig> configType() {
                return StatefulSessionConfig.class;
            }

            @Override
            public HttpFilterFactory create(StatefulSessionConfig config, ServerContext context) {
                return () -> new StatefulSessionFilter(config);
            }
        };
    }
}

package io.remora.xds.translate;

import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.remora.config.HttpFilterConfig;
import io.remora.config.RouterFilterConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The HTTP filters of a connection manager. The router becomes {@link RouterFilterConfig};
 * filters that enforce security (RBAC, ext_authz, JWT, ...) are refused unless marked
 * {@code is_optional}, since running without them would open what they close; every other
 * filter (fault, CORS, gRPC stats, compression, Istio's stats and metadata exchange, Wasm) is
 * not in the model yet and is skipped with one warning.
 */
public final class HttpFilterTranslator {

    private static final String ROUTER_TYPE = "envoy.extensions.filters.http.router.v3.Router";

    /** Type-name fragments of filters that decide who may pass. */
    private static final Set<String> SECURITY_TYPES = Set.of(
            "envoy.extensions.filters.http.rbac.v3.RBAC",
            "envoy.extensions.filters.http.ext_authz.v3.ExtAuthz",
            "envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication",
            "envoy.extensions.filters.http.basic_auth.v3.BasicAuth",
            "envoy.extensions.filters.http.oauth2.v3.OAuth2",
            "envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuth",
            "envoy.extensions.filters.http.csrf.v3.CsrfPolicy",
            "envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor",
            "envoy.extensions.filters.http.lua.v3.Lua");
    private static final Set<String> SECURITY_NAMES = Set.of(
            "envoy.filters.http.rbac", "envoy.filters.http.ext_authz", "envoy.filters.http.jwt_authn",
            "envoy.filters.http.basic_auth", "envoy.filters.http.oauth2", "envoy.filters.http.api_key_auth",
            "envoy.filters.http.csrf", "envoy.filters.http.ext_proc", "envoy.filters.http.lua");

    private HttpFilterTranslator() {
    }

    public static List<HttpFilterConfig> translate(List<HttpFilter> filters, FieldPath path, TranslationContext ctx) {
        List<HttpFilterConfig> out = new ArrayList<>();
        for (int i = 0; i < filters.size(); i++) {
            HttpFilter f = filters.get(i);
            FieldPath fp = path.index(i);
            if (f.getName().isEmpty()) {
                throw fp.field("name").error("missing required field");
            }
            String type = f.hasTypedConfig() ? Protos.typeName(f.getTypedConfig()) : "";
            if (f.hasConfigDiscovery()) {
                if (f.getIsOptional()) {
                    ctx.warnOnce("http_filter:" + f.getName(), "skipping HTTP filter '" + f.getName()
                            + "' (config_discovery is not supported), first at " + fp);
                    continue;
                }
                throw fp.field("config_discovery").error("filter config discovery (ECDS) is not supported");
            }
            boolean router = type.equals(ROUTER_TYPE) || type.isEmpty() && f.getName().equals(RouterFilterConfig.NAME);
            if (router) {
                Router r = f.hasTypedConfig() ? Protos.unpack(f.getTypedConfig(), Router.class, fp.field("typed_config"))
                        : Router.getDefaultInstance();
                if (i != filters.size() - 1) {
                    throw fp.error("the router must be the last HTTP filter");
                }
                out.add(new RouterFilterConfig(r.getSuppressEnvoyHeaders()));
                continue;
            }
            boolean security = SECURITY_TYPES.contains(type) || type.isEmpty() && SECURITY_NAMES.contains(f.getName());
            // A disabled security filter may still be enabled per route (typed_per_filter_config),
            // which Remora does not read: refusing is the only safe answer for it too.
            if (security && !f.getIsOptional()) {
                throw fp.error("HTTP filter '" + f.getName() + "' (" + type + ") enforces access control and is not"
                        + " supported by Remora; refusing to run without it (mark it is_optional to skip it)");
            }
            if (f.getDisabled()) {
                continue; // runs only where a route enables it; per-route filter config is not supported
            }
            String key = f.getName() + "|" + type;
            ctx.warnOnce("http_filter:" + key, "skipping unsupported HTTP filter '" + f.getName() + "'"
                    + (type.isEmpty() ? "" : " (" + type + ")") + ", first at " + fp);
        }
        if (out.isEmpty() || !(out.get(out.size() - 1) instanceof RouterFilterConfig)) {
            throw path.error("the last HTTP filter must be the router (envoy.filters.http.router)");
        }
        return List.copyOf(out);
    }
}

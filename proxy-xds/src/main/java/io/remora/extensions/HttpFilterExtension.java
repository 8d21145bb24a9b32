package io.remora.extensions;

import io.remora.config.HttpFilterConfig;
import io.remora.config.RouteFilterConfig;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/**
 * An HTTP filter: its config translator and its runtime (Envoy's NamedHttpFilterConfigFactory).
 *
 * @param <C> the filter's immutable config record
 */
public interface HttpFilterExtension<C extends HttpFilterConfig> extends Extension {

    /**
     * Validates and translates the filter's {@code typed_config}; {@code config} is null when the
     * filter was named without one (the extension may supply its defaults or refuse).
     *
     * @throws io.remora.xds.translate.TranslationException naming the field at fault
     */
    C translate(TypedConfig config, FieldPath path, TranslationContext ctx);

    /**
     * Whether this build can run that config at all (a Wasm filter: only Istio's null-VM plugins).
     * An {@code is_optional} filter whose config it cannot run is skipped; any other is translated
     * and refused there with its field path.
     */
    default boolean supports(TypedConfig config) {
        return true;
    }

    /**
     * Whether it may also be listed as an upstream HTTP filter (a cluster's {@code http_filters}, a
     * router's {@code upstream_http_filters}): Envoy registers it so and Remora runs it there.
     */
    default boolean runsUpstream() {
        return false;
    }

    /** The config types its {@code typed_per_filter_config} may carry; none when it has no per-route config. */
    default List<String> perRouteConfigTypes() {
        return List.of();
    }

    /** Translates a per-route config (one of {@link #perRouteConfigTypes()}). */
    default RouteFilterConfig translatePerRoute(TypedConfig config, FieldPath path, TranslationContext ctx) {
        throw path.error("the filter " + names().get(0) + " has no per-route configuration");
    }

    /** Builds the per-stream filters from the translated config. */
    HttpFilterFactory.Provider<C> runtime();
}

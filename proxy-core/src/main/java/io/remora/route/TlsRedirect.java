package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.HeaderMutation;
import io.remora.config.RedirectAction;
import io.remora.config.Route;
import io.remora.config.RouteMatch;
import io.remora.config.VirtualHost;

import java.util.List;

/**
 * A virtual host's {@code require_tls} (Envoy's {@code SslRequirements}, checked in
 * {@code VirtualHostImpl::getRouteFromEntries} before any route): a request whose
 * x-forwarded-proto is not https (with EXTERNAL_ONLY: and not x-envoy-internal) gets Envoy's
 * {@code SSL_REDIRECT_ROUTE}, a 301 to https at the same host and path, whatever its routes say.
 */
final class TlsRedirect {
    private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    private static final AsciiString X_ENVOY_INTERNAL = AsciiString.cached("x-envoy-internal");

    /** The redirect route's action; {@link CompiledRoute} knows it by identity to write Envoy's location. */
    static final RedirectAction ACTION = new RedirectAction("https", null, 0, null, null, null, 301, false);

    private TlsRedirect() {
    }

    /**
     * The redirect route of {@code vh}, or null when it requires nothing. Without the host's header
     * mutations: Envoy's SSL redirector finalizes no headers.
     */
    static CompiledRoute of(VirtualHost vh) {
        if (vh.requireTls() == null || vh.requireTls() == VirtualHost.TlsRequirement.NONE) {
            return null;
        }
        Route r = new Route("", new RouteMatch(new RouteMatch.Prefix("/"), true, List.of(), List.of(), false, null),
                ACTION, HeaderMutation.NONE,
                HeaderMutation.NONE);
        return new CompiledRoute(null, r, vh, HeaderMutator.NONE, HeaderMutator.NONE, HeaderMutator.NONE,
                HeaderMutator.NONE, false, null);
    }

    /** Whether {@code vh}'s requirement sends this request to https. */
    static boolean required(VirtualHost vh, Http2Headers headers) {
        CharSequence proto = headers.get(X_FORWARDED_PROTO);
        if (proto != null && AsciiString.contentEquals("https", proto)) {
            return false;
        }
        if (vh.requireTls() == VirtualHost.TlsRequirement.ALL) {
            return true;
        }
        CharSequence internal = headers.get(X_ENVOY_INTERNAL);
        return internal == null || !AsciiString.contentEquals("true", internal);
    }
}

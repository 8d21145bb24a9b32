package io.remora.extensions.filters.http.custom_response;

import io.remora.config.HeaderMutation;
import io.remora.config.LocalReplyConfig;
import io.remora.config.RedirectAction;

/** An action of a custom response matcher: one of Envoy's two custom response policies. */
public sealed interface PolicyConfig {

    /** The runtime policy: built once per matcher, shared by every stream. */
    ResponsePolicy runtime();

    /**
     * {@code local_response_policy.v3.LocalResponsePolicy}.
     *
     * @param body       the reply's body, or null for none (the body format may still make one)
     * @param bodyFormat null: the body as it is
     * @param statusCode 0: the response's own status
     */
    record Local(String body, LocalReplyConfig.BodyFormat bodyFormat, int statusCode, HeaderMutation responseHeaders)
            implements PolicyConfig {
        @Override
        public ResponsePolicy runtime() {
            return new LocalResponse(this);
        }
    }

    /**
     * {@code redirect_policy.v3.RedirectPolicy}.
     *
     * @param uri        the absolute URI the request is sent to again, or null for {@code action}
     * @param action     the {@code redirect_action} the URI is made from (no path rewrite), or null
     * @param statusCode 0: the redirected response's own status
     */
    record Redirect(String uri, RedirectAction action, int statusCode, HeaderMutation responseHeaders, HeaderMutation requestHeaders)
            implements PolicyConfig {
        @Override
        public ResponsePolicy runtime() {
            return new RedirectResponse(this);
        }
    }
}

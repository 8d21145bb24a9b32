package io.remora.config;

/**
 * {@code config.route.v3.RedirectAction}. Null fields are unset.
 *
 * @param portRedirect 0 when unset
 * @param responseCode 301, 302, 303, 307 or 308 (default 301)
 */
public record RedirectAction(
        String schemeRedirect,
        String hostRedirect,
        int portRedirect,
        String pathRedirect,
        String prefixRewrite,
        ForwardAction.RegexRewrite regexRewrite,
        int responseCode,
        boolean stripQuery) implements RouteAction {
}

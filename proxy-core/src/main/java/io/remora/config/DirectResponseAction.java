package io.remora.config;

/** {@code config.route.v3.DirectResponseAction}; body null when unset. */
public record DirectResponseAction(int status, String body) implements RouteAction {
}

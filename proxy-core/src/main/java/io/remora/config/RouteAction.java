package io.remora.config;

/** The action of a route: forward to a cluster, redirect, or answer directly. */
public sealed interface RouteAction
        permits ForwardAction, RedirectAction, DirectResponseAction, RouteAction.NonForwarding {

    /** {@code non_forwarding_action}: the route matches but nothing is forwarded (used by filters). */
    record NonForwarding() implements RouteAction {
    }
}

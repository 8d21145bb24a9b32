package io.remora.extensions.filters.http.ext_authz;

import io.netty.channel.EventLoop;
import io.remora.http.upstream.Cancellable;
import io.remora.server.ServerContext;

import java.util.function.Consumer;

/** Asks the authorization service about one request; answers on {@code loop}, exactly once unless cancelled. */
public interface AuthzClient {

    Cancellable check(AuthzCheck check, EventLoop loop, ServerContext context, Consumer<AuthzDecision> done);
}

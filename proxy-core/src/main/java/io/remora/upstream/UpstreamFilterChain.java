package io.remora.upstream;

import io.remora.network.ConnectionFilterFactory;
import io.remora.server.ServerContext;

/**
 * A cluster's upstream network filters (Envoy's {@code Cluster.filters}, e.g. the client side of
 * Istio's TCP metadata exchange) with the server context they run in: every connection to one of
 * the cluster's hosts gets its own instances, between the transport socket and the caller's
 * handlers.
 */
public record UpstreamFilterChain(ConnectionFilterFactory[] factories, ServerContext context) {

    public static final UpstreamFilterChain NONE = new UpstreamFilterChain(new ConnectionFilterFactory[0], null);

    public boolean isEmpty() {
        return factories.length == 0;
    }
}

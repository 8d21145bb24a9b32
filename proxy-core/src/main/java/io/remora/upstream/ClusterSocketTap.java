package io.remora.upstream;

import io.remora.network.SocketTap;
import io.remora.server.ServerContext;

/**
 * A cluster's transport socket tap, built on the first connect (when the server, whose /tap
 * admin-configured taps join it, is there) and again only when the config changes.
 */
final class ClusterSocketTap {

    /** A tap built from this config. */
    private record BuiltTap(SocketTap.Config config, SocketTap tap) {
    }

    /** Null without a cluster manager (tests): nothing to tap for. */
    private final UpstreamRuntime runtime;
    private volatile BuiltTap built;

    ClusterSocketTap(UpstreamRuntime runtime) {
        this.runtime = runtime;
    }

    /** The tap of {@code c} (the cluster's current config's); null when it has none. */
    SocketTap tap(SocketTap.Config c) {
        if (c == null) {
            return null;
        }
        BuiltTap b = built;
        if (b != null && (b.config == c || b.config.equals(c))) {
            return b.tap;
        }
        return build(c);
    }

    private synchronized SocketTap build(SocketTap.Config c) {
        BuiltTap b = built;
        if (b != null && b.config.equals(c)) {
            return b.tap;
        }
        ServerContext context = runtime == null ? null : runtime.context();
        if (context == null) {
            return null;
        }
        built = new BuiltTap(c, c.build(context));
        return built.tap;
    }
}

package io.remora.server;

import io.remora.config.ServerConfig;
import io.remora.network.NetworkFilterFactory;
import io.remora.stats.StatsRegistry;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * The running data plane: worker event loops, listeners, clusters. Config arrives as whole
 * {@link ServerConfig} snapshots; {@link #update} diffs them against what runs.
 */
public final class Server implements AutoCloseable {

    public Server(ServerOptions options, StatsRegistry stats, List<NetworkFilterFactory<?>> filterFactories) {
        throw new UnsupportedOperationException();
    }

    /** Builds clusters and binds every listener of the config; throws if a bind fails. */
    public void start(ServerConfig config) {
        throw new UnsupportedOperationException();
    }

    /** Applies a new snapshot: unchanged listeners keep their sockets, changed ones drain. */
    public void update(ServerConfig config) {
        throw new UnsupportedOperationException();
    }

    public ServerConfig config() {
        throw new UnsupportedOperationException();
    }

    public ServerContext context() {
        throw new UnsupportedOperationException();
    }

    /** The address a listener is bound to (after port 0 was resolved), or null. */
    public SocketAddress boundAddress(String listenerName) {
        throw new UnsupportedOperationException();
    }

    /** Stops accepting, lets in-flight work finish up to drainTime, then closes everything. */
    public void drainAndStop(Duration drainTime) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
        throw new UnsupportedOperationException();
    }
}

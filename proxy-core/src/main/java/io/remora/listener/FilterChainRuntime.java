package io.remora.listener;

import io.netty.channel.Channel;
import io.remora.config.FilterChainConfig;
import io.remora.network.ConnectionFilterFactory;
import io.remora.network.ConnectionInfo;
import io.remora.network.NetworkFilter;
import io.remora.network.NetworkFilterManager;
import io.remora.server.ServerContext;

/**
 * A built filter chain: its network filters (the non-terminal ones' factories and the terminal
 * filter, shared by every connection of the chain) and the connections it accepted, so that a
 * drain can close exactly them.
 */
public final class FilterChainRuntime {
    private final FilterChainConfig config;
    private final NetworkFilter filter;
    private final ConnectionFilterFactory[] connectionFilters;
    private final ServerContext context;
    private final ChainConnections connections;
    private final io.remora.tls.DownstreamTransportSocket tls;
    private final io.remora.network.SocketTap socketTap;
    /** The chain's drain once begun (the first, unless an immediate one follows), else null. */
    private volatile io.remora.server.DrainDecision drain;
    /** The origin its connections share, for the listener that last handed it one. */
    private volatile ConnectionInfo.Origin origin;

    public FilterChainRuntime(FilterChainConfig config, NetworkFilter filter) {
        this(config, new ConnectionFilterFactory[0], filter, null, null);
    }

    /**
     * @param connectionFilters the chain's non-terminal network filters
     * @param tls               the chain's TLS transport socket, or null for raw bytes
     */
    public FilterChainRuntime(FilterChainConfig config, ConnectionFilterFactory[] connectionFilters,
                              NetworkFilter filter, ServerContext context, io.remora.tls.DownstreamTransportSocket tls) {
        if (config.transportSocket() != null && tls == null) {
            // A chain configured for TLS must never hand plaintext to its filters.
            throw new IllegalArgumentException("filter chain '" + config.name() + "' has a TLS transport socket"
                    + " but no TLS was set up for it");
        }
        this.config = config;
        this.filter = filter;
        this.connectionFilters = connectionFilters.clone();
        this.context = context;
        this.tls = tls;
        this.socketTap = config.socketTap() == null || context == null ? null : config.socketTap().build(context);
        this.connections = new ChainConnections(config.name() == null ? "chain" : config.name());
    }

    public FilterChainConfig config() {
        return config;
    }

    /** The chain's TLS, or null for raw bytes. */
    public io.remora.tls.DownstreamTransportSocket tls() {
        return tls;
    }

    /** The chain's tap transport socket, or null. */
    public io.remora.network.SocketTap socketTap() {
        return socketTap;
    }

    /** The overload manager whose reduce_timeouts scales this chain's transport_socket_connect_timeout. */
    io.remora.overload.OverloadManager overload() {
        return context == null ? io.remora.overload.OverloadManager.unmanaged() : context.overload();
    }

    public NetworkFilter filter() {
        return filter;
    }

    /** Starts the chain's drain: its terminal filter's (HTTP answers with close / GOAWAY) and its network filters'. */
    public void startDrain(io.remora.server.DrainDecision drain) {
        this.drain = io.remora.server.DrainDecision.keep(this.drain, drain);
        filter.startDrain(drain);
    }

    /**
     * As {@link #startDrain}, for an inbound-only server drain: the terminal filter drains its connections, but
     * the network filters, which ask Envoy's drainClose(All), are not told the chain drains.
     */
    public void startInboundDrain(io.remora.server.DrainDecision drain) {
        filter.startDrain(drain);
    }

    /** As {@link #startDrain}, for the server's shutdown: idle connections close now. */
    public void startShutdownDrain() {
        drain = io.remora.server.DrainDecision.immediate();
        filter.startShutdownDrain();
    }

    /** Whether a connection's network filters asking now are told to close. */
    private boolean drainClose() {
        io.remora.server.DrainDecision d = drain;
        return d != null && d.drainClose();
    }

    /**
     * Where a connection this chain takes from a listener came in: one object for all of them
     * (a chain shared by listeners makes one again when the listener changes).
     */
    ConnectionInfo.Origin origin(String listenerName, int bufferLimit,
                                 java.util.Map<String, java.util.Map<String, Object>> listenerMetadata) {
        java.util.Map<String, java.util.Map<String, Object>> metadata =
                listenerMetadata == null ? java.util.Map.of() : listenerMetadata;
        ConnectionInfo.Origin o = origin;
        if (o == null || o.listenerName() != listenerName || o.bufferLimit() != bufferLimit
                || o.listenerMetadata() != metadata) {
            origin = o = new ConnectionInfo.Origin(listenerName, config.name(), bufferLimit, metadata);
        }
        return o;
    }

    /** Hands an accepted connection to the chain: its network filters, then the terminal filter. */
    public void accept(Channel ch, ConnectionInfo info) {
        NetworkFilterManager.start(ch, info, context, connectionFilters, this::drainClose,
                () -> filter.onAccept(ch, info), () -> filter.onClosedBeforeStart(ch, info));
    }

    /** Its connections join when the chain takes them ({@link ConnectionCloseAccounting#handOver}). */
    public ChainConnections connections() {
        return connections;
    }
}

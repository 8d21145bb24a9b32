package io.remora.xds.grpc;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.remora.upstream.Cluster;
import io.remora.upstream.ClusterManager;
import io.remora.upstream.Host;
import io.remora.upstream.LoadBalancerContext;

import java.net.SocketAddress;
import java.util.function.BiConsumer;

/**
 * A gRPC channel to a host of one cluster, the way Envoy's envoy_grpc client reaches its cluster (stats sinks,
 * tracers, access loggers, and the xDS and LRS streams): the host is the cluster's own (its DNS answers, its
 * lookup family, a pipe for a Unix socket), picked by the cluster's load balancer, which leaves out the hosts its
 * health checks failed; over the cluster's TLS transport socket when it has one (h2 by ALPN, verified as the
 * cluster's connections are, the SNI Envoy's would send: {@link GrpcChannelTls}). The channel stays on its host
 * while that host is healthy and connects; a failed connection or stream sends the next use to another host, as
 * Envoy's next stream is a new pick of the load balancer. Not thread-safe: one caller thread.
 */
public final class ClusterChannel implements StreamChannel {
    private final ClusterManager clusters;
    private final String cluster;
    private final String authority;
    /** The service's retry_policy for the channel's calls ({@link GrpcJavaRetries}), or null. */
    private final io.remora.config.RetryPolicy retry;
    /** The caller's settings on each new channel (event loop, message size, metadata), by the host's address. */
    private final BiConsumer<NettyChannelBuilder, SocketAddress> settings;
    private ManagedChannel channel;
    private Host channelHost;
    /** The host whose connection or stream failed: the next pick avoids it when another is there. */
    private Host failed;
    private volatile boolean closed;

    /** @param authority the :authority to send; empty means the cluster's name, as Envoy does */
    public ClusterChannel(ClusterManager clusters, String cluster, String authority) {
        this(clusters, cluster, authority, null);
    }

    /** As above, the calls retried by the gRPC service's {@code retry_policy} when it is not null. */
    public ClusterChannel(ClusterManager clusters, String cluster, String authority,
                          io.remora.config.RetryPolicy retry) {
        this(clusters, cluster, authority, retry, (b, a) -> { });
    }

    /** As above, {@code settings} applied to each channel built (for the host at that address). */
    public ClusterChannel(ClusterManager clusters, String cluster, String authority,
                          io.remora.config.RetryPolicy retry, BiConsumer<NettyChannelBuilder, SocketAddress> settings) {
        this.clusters = clusters;
        this.cluster = cluster;
        this.authority = authority == null || authority.isEmpty() ? cluster : authority;
        this.retry = retry;
        this.settings = settings;
    }

    /** The channel, or null while the cluster is unknown or has no host to take it. */
    public ManagedChannel get() {
        Cluster c = clusters.get(cluster);
        if (c == null) {
            return null;
        }
        if (closed) {
            return null;
        }
        if (channel != null && failed == null
                && channel.getState(false) != io.grpc.ConnectivityState.TRANSIENT_FAILURE) {
            // a DNS refresh may give the same address as a new host
            Host current = member(c, channelHost.address());
            if (current != null && current.isHealthy()) {
                channelHost = current;
                return channel;
            }
        }
        Host host = pick(c);
        if (host == null) {
            return null;
        }
        if (channel != null && host.address().equals(channelHost.address())) {
            // Envoy's calls connect through the cluster's pool each time; gRPC's own back-off (1 s growing to
            // 120 s) would fail every call at once for minutes after the only host is back.
            channel.resetConnectBackoff();
            failed = null;
            return channel;
        }
        ManagedChannel built = build(c, host);
        if (built == null) {
            return null;
        }
        if (channel != null) {
            channel.shutdown();
        }
        channel = built;
        channelHost = host;
        failed = null;
        return channel;
    }

    /** The cluster's load balancer's pick, another host than the failed one when it can. */
    private Host pick(Cluster c) {
        SocketAddress avoid = failed != null ? failed.address() : channelHost == null ? null : channelHost.address();
        LoadBalancerContext context = new LoadBalancerContext() {
            @Override
            public boolean shouldSelectAnotherHost(Host h) {
                return h.address().equals(avoid);
            }

            @Override
            public int hostSelectionRetryCount() {
                return c.hosts().size();
            }
        };
        Cluster member = c.pickCluster(context);
        return member == null ? null : member.chooseHost(context);
    }

    private static Host member(Cluster c, SocketAddress address) {
        for (Host h : c.hosts()) {
            if (h.address().equals(address)) {
                return h;
            }
        }
        return null;
    }

    private ManagedChannel build(Cluster c, Host host) {
        SocketAddress target = host.address();
        NettyChannelBuilder b = NettyChannelBuilder.forAddress(target);
        io.remora.tls.GrpcClientTls tls;
        try {
            // Envoy's router on each stream: auto_sni's host from the :authority, else the transport socket's
            // sni, else none; auto_san_validation's SAN, the :authority's host
            tls = c.transportSocketFactory().grpcClientTls(host, java.util.List.of("h2"),
                    io.remora.http.router.AutoSniNames.forAuthority(c.config().autoSni(), authority));
        } catch (javax.net.ssl.SSLException e) {
            return null; // its SDS secrets have not arrived: as a cluster still warming
        }
        b.overrideAuthority(authority);
        if (tls == null) {
            b.usePlaintext();
        } else {
            GrpcChannelTls.use(b, tls.context(), tls.engineHost(), tls.sni());
        }
        settings.accept(b, target);
        return GrpcJavaRetries.apply(b, retry).build();
    }

    @Override
    public ManagedChannel channel() {
        return get();
    }

    @Override
    public void streamFailed() {
        failed = channelHost;
    }

    @Override
    public void close() {
        closed = true;
        if (channel != null) {
            channel.shutdown();
        }
    }

    @Override
    public void awaitTermination(long millis) throws InterruptedException {
        if (channel != null) {
            channel.awaitTermination(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }
}

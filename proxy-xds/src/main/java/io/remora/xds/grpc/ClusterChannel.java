package io.remora.xds.grpc;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.remora.upstream.Cluster;
import io.remora.upstream.ClusterManager;
import io.remora.upstream.Host;

import java.net.SocketAddress;

/**
 * A gRPC channel to a healthy host of one cluster ({@code envoy_grpc} services of stats sinks,
 * tracers and access loggers), over the cluster's TLS transport socket when it has one (h2 by ALPN,
 * verified as the cluster's connections are, the SNI Envoy's would send: {@link GrpcChannelTls}), rebuilt when
 * that host changes. Not thread-safe: one
 * caller thread.
 */
public final class ClusterChannel implements AutoCloseable {
    private final ClusterManager clusters;
    private final String cluster;
    private final String authority;
    /** The service's retry_policy for the channel's calls ({@link GrpcJavaRetries}), or null. */
    private final io.remora.config.RetryPolicy retry;
    private ManagedChannel channel;
    private SocketAddress channelAddress;

    /** @param authority the :authority to send; empty means the cluster's name, as Envoy does */
    public ClusterChannel(ClusterManager clusters, String cluster, String authority) {
        this(clusters, cluster, authority, null);
    }

    /** As above, the calls retried by the gRPC service's {@code retry_policy} when it is not null. */
    public ClusterChannel(ClusterManager clusters, String cluster, String authority,
                          io.remora.config.RetryPolicy retry) {
        this.clusters = clusters;
        this.cluster = cluster;
        this.authority = authority == null || authority.isEmpty() ? cluster : authority;
        this.retry = retry;
    }

    /** The channel, or null while the cluster is unknown or has no healthy host. */
    public ManagedChannel get() {
        Cluster c = clusters.get(cluster);
        if (c == null) {
            return null;
        }
        Host host = null;
        for (Host h : c.hosts()) {
            if (h.isHealthy()) {
                host = h;
                break;
            }
        }
        if (host == null) {
            return null;
        }
        SocketAddress target = host.address();
        if (channel == null || !target.equals(channelAddress)) {
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
            if (channel != null) {
                channel.shutdown();
            }
            channel = GrpcJavaRetries.apply(b, retry).build();
            channelAddress = target;
        } else if (channel.getState(false) == io.grpc.ConnectivityState.TRANSIENT_FAILURE) {
            // Envoy's calls connect through the cluster's pool each time; gRPC's own back-off (1 s growing to
            // 120 s) would fail every call at once for minutes after the collector is back.
            channel.resetConnectBackoff();
        }
        return channel;
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.shutdown();
            channel = null;
        }
    }
}

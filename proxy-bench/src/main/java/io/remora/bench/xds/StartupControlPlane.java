package io.remora.bench.xds;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * The control plane of startup.sh's {@code istio-ads} config: java-control-plane's ADS server (SotW
 * and delta) on a loopback port, serving every node one static cluster and one listener that binds no port (as Istio's per-service
 * outbound listeners: a delta stream gets no response for an empty type from this server), so that a
 * sidecar started on Istio's bootstrap becomes ready once its first CDS and LDS responses are applied.
 * What it measures is the xDS client's share of a sidecar's start: its gRPC channel, the stream,
 * the subscriptions and their ACKs.
 *
 * <p>Run: {@code java -cp proxy-bench/target/benchmarks.jar io.remora.bench.xds.StartupControlPlane PORT};
 * it prints {@code listening PORT} and serves until killed.
 */
public final class StartupControlPlane {

    private StartupControlPlane() {
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        SimpleCache<String> cache = new SimpleCache<>(node -> "all");
        Cluster cluster = Cluster.newBuilder().setName("startup").setType(Cluster.DiscoveryType.STATIC)
                .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName("startup")
                        .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.newBuilder()
                                .setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder().setSocketAddress(
                                        SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(1)))))))
                .build();
        Listener listener = Listener.newBuilder().setName("startup")
                .setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder()
                        .setAddress("127.0.0.1").setPortValue(1)))
                .setBindToPort(BoolValue.of(false))
                .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
                        .setName("envoy.filters.network.tcp_proxy")
                        .setTypedConfig(Any.pack(TcpProxy.newBuilder().setStatPrefix("startup")
                                .setCluster("startup").build()))))
                .build();
        cache.setSnapshot("all", Snapshot.create(List.of(cluster), List.of(), List.of(listener), List.of(), List.of(), "1"));
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(new V3DiscoveryServer(cache).getAggregatedDiscoveryServiceImpl()).build().start();
        System.out.println("listening " + ((InetSocketAddress) server.getListenSockets().get(0)).getPort());
        System.out.flush();
        server.awaitTermination();
    }
}

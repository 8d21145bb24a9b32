package io.remora.xds;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.Pipe;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The control plane of {@link ArchiveTraining}, for a bootstrap whose listeners or clusters come over
 * ADS (an Istio sidecar's): a gRPC server on loopback that answers each first request of a type with
 * an empty response, so that the training's proxy opens an ADS stream as the user's would (the same
 * {@code api_type}, node and kind of address: a Unix socket for Istio's agent) and the archive holds
 * the xDS client's classes (gRPC, the subscriptions, the ACKs) that a sidecar loads at every start.
 * The user's control plane is never reached.
 */
final class TrainingAds implements AutoCloseable {

    private final Server server;
    private final EventLoopGroup group;
    private final Path dir;
    private final Address address;
    private final Service service;

    private TrainingAds(Server server, Service service, EventLoopGroup group, Path dir, Address address) {
        this.server = server;
        this.service = service;
        this.group = group;
        this.dir = dir;
        this.address = address;
    }

    /**
     * The training's part of the user's bootstrap: its node, its ADS config and LDS/CDS over ADS,
     * and its ADS cluster pointed at a server started here; null when the bootstrap has no ADS over
     * an envoy_grpc cluster, or the server cannot start (the archive only lacks those classes).
     */
    static Plan plan(Bootstrap user) {
        var dr = user.getDynamicResources();
        boolean lds = dr.getLdsConfig().hasAds();
        boolean cds = dr.getCdsConfig().hasAds();
        ApiConfigSource ads = dr.getAdsConfig();
        if (!(lds || cds) || ads.getGrpcServicesCount() == 0 || !ads.getGrpcServices(0).hasEnvoyGrpc()) {
            return null;
        }
        GrpcService service = ads.getGrpcServices(0);
        String name = service.getEnvoyGrpc().getClusterName();
        Cluster cluster = user.getStaticResources().getClustersList().stream()
                .filter(c -> c.getName().equals(name)).findFirst().orElse(null);
        if (cluster == null) {
            return null;
        }
        boolean pipe = cluster.getLoadAssignment().getEndpointsList().stream()
                .flatMap(l -> l.getLbEndpointsList().stream())
                .findFirst().map(e -> e.getEndpoint().getAddress().hasPipe()).orElse(false);
        TrainingAds server;
        try {
            server = pipe ? startUds() : startTcp();
        } catch (IOException | RuntimeException e) {
            return null;
        }
        Cluster training = cluster.toBuilder()
                .clearTransportSocket().clearTransportSocketMatches()
                .setType(Cluster.DiscoveryType.STATIC)
                .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName(name)
                        .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.newBuilder()
                                .setEndpoint(Endpoint.newBuilder().setAddress(server.address)))))
                .build();
        var dynamic = io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap.DynamicResources.newBuilder()
                .setAdsConfig(ads.toBuilder().clearGrpcServices().addGrpcServices(service));
        if (lds) {
            dynamic.setLdsConfig(dr.getLdsConfig());
        }
        if (cds) {
            dynamic.setCdsConfig(dr.getCdsConfig());
        }
        return new Plan(server, user.getNode(), dynamic.build(), training);
    }

    /** What {@link ArchiveTraining} adds to its own bootstrap, and the server to stop after. */
    record Plan(TrainingAds server, io.envoyproxy.envoy.config.core.v3.Node node,
                Bootstrap.DynamicResources dynamicResources, Cluster cluster) {

        Bootstrap applyTo(Bootstrap training) {
            return training.toBuilder().setNode(node).setDynamicResources(dynamicResources)
                    .setStaticResources(training.getStaticResources().toBuilder().addClusters(cluster)).build();
        }
    }

    /** The responses it has sent: one per type the proxy subscribed to. */
    long responses() {
        return service.nonce.get();
    }

    private static TrainingAds startTcp() throws IOException {
        Service service = new Service();
        Server s = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .addService(service).build().start();
        int port = ((InetSocketAddress) s.getListenSockets().get(0)).getPort();
        return new TrainingAds(s, service, null, null, Address.newBuilder().setSocketAddress(SocketAddress.newBuilder()
                .setAddress(InetAddress.getLoopbackAddress().getHostAddress()).setPortValue(port)).build());
    }

    private static TrainingAds startUds() throws IOException {
        if (!Epoll.isAvailable()) {
            throw new IOException("Unix sockets need the epoll transport");
        }
        Path dir = Files.createTempDirectory("remora-training-xds");
        Path socket = dir.resolve("XDS");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        Service service = new Service();
        try {
            Server s = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                    .channelType(EpollServerDomainSocketChannel.class)
                    .withChildOption(io.netty.channel.ChannelOption.SO_KEEPALIVE, null)
                    .bossEventLoopGroup(group).workerEventLoopGroup(group)
                    .addService(service).build().start();
            return new TrainingAds(s, service, group, dir, Address.newBuilder()
                    .setPipe(Pipe.newBuilder().setPath(socket.toString())).build());
        } catch (IOException | RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            deleteTree(dir);
            throw e;
        }
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (group != null) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
        if (dir != null) {
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind
        }
    }

    /** Both ADS protocols: an empty response to each type's first request, nothing to an ACK or NACK. */
    private static final class Service extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase {
        private final AtomicLong nonce = new AtomicLong();

        @Override
        public StreamObserver<DiscoveryRequest> streamAggregatedResources(StreamObserver<DiscoveryResponse> out) {
            return new Requests<>(out) {
                @Override
                public void onNext(DiscoveryRequest r) {
                    if (r.getResponseNonce().isEmpty()) {
                        out.onNext(DiscoveryResponse.newBuilder().setTypeUrl(r.getTypeUrl()).setVersionInfo("training")
                                .setNonce(Long.toString(nonce.incrementAndGet())).build());
                    }
                }
            };
        }

        @Override
        public StreamObserver<DeltaDiscoveryRequest> deltaAggregatedResources(StreamObserver<DeltaDiscoveryResponse> out) {
            return new Requests<>(out) {
                @Override
                public void onNext(DeltaDiscoveryRequest r) {
                    if (r.getResponseNonce().isEmpty()) {
                        out.onNext(DeltaDiscoveryResponse.newBuilder().setTypeUrl(r.getTypeUrl())
                                .setSystemVersionInfo("training").setNonce(Long.toString(nonce.incrementAndGet())).build());
                    }
                }
            };
        }
    }

    private abstract static class Requests<Q, R> implements StreamObserver<Q> {
        private final StreamObserver<R> out;

        Requests(StreamObserver<R> out) {
            this.out = out;
        }

        @Override
        public void onError(Throwable t) {
            // the proxy stopped
        }

        @Override
        public void onCompleted() {
            out.onCompleted();
        }
    }
}

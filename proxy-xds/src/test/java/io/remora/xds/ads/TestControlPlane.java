package io.remora.xds.ads;

import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * java-control-plane's own management server (V3DiscoveryServer over a SimpleCache) on a real socket, recording
 * every request it receives and every response it sends. It serves ADS and, for config sources of their own
 * (api_config_source: pilot-agent's sds-grpc, Envoy's non-aggregated LDS/CDS/RDS/EDS), the per-type discovery
 * services from the same cache.
 */
public final class TestControlPlane implements AutoCloseable {
    public static final String GROUP = "test";

    public final SimpleCache<String> cache = new SimpleCache<>(node -> GROUP);
    /** ECDS, which java-control-plane does not serve: see {@link #setExtensionConfigs}. */
    private final ServedTypeAdsService<io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig> ecds =
            ServedTypeAdsService.ecds(this);
    /** VHDS, which java-control-plane does not serve either: see {@link #setVirtualHosts}. */
    private final VhdsAdsService vhds = new VhdsAdsService(this);
    /** Scoped RDS, which java-control-plane does not serve either: see {@link #setScopedRoutes}. */
    private final ServedTypeAdsService<io.envoyproxy.envoy.config.route.v3.ScopedRouteConfiguration> srds =
            ServedTypeAdsService.srds(this);
    public final List<DiscoveryRequest> requests = new CopyOnWriteArrayList<>();
    public final List<DiscoveryResponse> responses = new CopyOnWriteArrayList<>();
    public final List<DeltaDiscoveryRequest> deltaRequests = new CopyOnWriteArrayList<>();
    public final List<DeltaDiscoveryResponse> deltaResponses = new CopyOnWriteArrayList<>();
    /** The type URL of each stream opened, in order: empty for ADS, the service's type for a per-type one. */
    public final List<String> streamTypes = new CopyOnWriteArrayList<>();
    /** Each call's request headers (its gRPC metadata), in arrival order. */
    public final List<io.grpc.Metadata> callHeaders = new CopyOnWriteArrayList<>();
    /** Each call's :authority, in arrival order. */
    public final List<String> authorities = new CopyOnWriteArrayList<>();
    /** Client connections (HTTP/2 transports) accepted so far. */
    public final java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
    /** Other services the server also offers (e.g. load reporting), added before it starts. */
    private final List<io.grpc.BindableService> more = new java.util.ArrayList<>();
    private Server server;
    private EventLoopGroup udsGroup;
    public int port;
    /** What the client receives of each state-of-the-world response (the lists record them as the cache built them). */
    public volatile java.util.function.UnaryOperator<DiscoveryResponse> rewrite = java.util.function.UnaryOperator.identity();

    private V3DiscoveryServer discoveryServer() {
        return new V3DiscoveryServer(new DiscoveryServerCallbacks() {
            @Override
            public void onStreamOpen(long streamId, String typeUrl) {
                streamTypes.add(typeUrl);
            }

            @Override
            public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
                requests.add(request);
            }

            @Override
            public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
                deltaRequests.add(request);
            }

            @Override
            public void onV3StreamResponse(long streamId, DiscoveryRequest request, DiscoveryResponse response) {
                responses.add(response);
            }

            @Override
            public void onV3StreamDeltaResponse(long streamId, DeltaDiscoveryRequest request, DeltaDiscoveryResponse response) {
                deltaResponses.add(response);
            }
        }, cache);
    }

    public TestControlPlane startTcp(int bindPort) throws Exception {
        V3DiscoveryServer ds = discoveryServer();
        server = services(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", bindPort)), ds)
                .build().start();
        port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
        return this;
    }

    /** Over TLS on 127.0.0.1 (any free port when {@code bindPort} is 0). */
    public TestControlPlane startTls(int bindPort, io.netty.handler.ssl.SslContext tls) throws Exception {
        V3DiscoveryServer ds = discoveryServer();
        server = services(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", bindPort)).sslContext(tls), ds)
                .build().start();
        port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
        return this;
    }

    public TestControlPlane startUds(String path) throws Exception {
        V3DiscoveryServer ds = discoveryServer();
        udsGroup = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        server = services(NettyServerBuilder.forAddress(new DomainSocketAddress(path))
                .channelType(EpollServerDomainSocketChannel.class)
                // as the proxy's client: no SO_KEEPALIVE on a Unix socket (Netty warns of it at each accept)
                .withChildOption(io.netty.channel.ChannelOption.SO_KEEPALIVE, null)
                .bossEventLoopGroup(udsGroup)
                .workerEventLoopGroup(udsGroup), ds)
                .build().start();
        return this;
    }

    /** Offers {@code service} too, on the same socket (call before starting). */
    public TestControlPlane with(io.grpc.BindableService service) {
        more.add(service);
        return this;
    }

    private NettyServerBuilder services(NettyServerBuilder b, V3DiscoveryServer ds) {
        more.forEach(b::addService);
        b.intercept(new io.grpc.ServerInterceptor() {
            @Override
            public <Q, A> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, A> call,
                                                                      io.grpc.Metadata headers,
                                                                      io.grpc.ServerCallHandler<Q, A> next) {
                callHeaders.add(headers);
                authorities.add(String.valueOf(call.getAuthority()));
                return next.startCall(new io.grpc.ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                    @Override
                    @SuppressWarnings("unchecked")
                    public void sendMessage(A message) {
                        super.sendMessage(message instanceof DiscoveryResponse r ? (A) rewrite.apply(r) : message);
                    }
                }, headers);
            }
        });
        b.addTransportFilter(new io.grpc.ServerTransportFilter() {
            @Override
            public io.grpc.Attributes transportReady(io.grpc.Attributes attributes) {
                connections.incrementAndGet();
                return attributes;
            }
        });
        return b.addService(srds.wrap(vhds.wrap(ecds.wrap(ds.getAggregatedDiscoveryServiceImpl()))))
                .addService(ds.getSecretDiscoveryServiceImpl())
                .addService(ds.getListenerDiscoveryServiceImpl())
                .addService(ds.getClusterDiscoveryServiceImpl())
                .addService(ds.getRouteDiscoveryServiceImpl())
                .addService(ds.getEndpointDiscoveryServiceImpl());
    }

    public void stop() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }

    public void set(Snapshot snapshot) {
        cache.setSnapshot(GROUP, snapshot);
    }

    /** The TypedExtensionConfigs served over ECDS, all under this version. */
    public void setExtensionConfigs(String version, io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig... configs) {
        ecds.set(version, List.of(configs));
    }

    /**
     * The virtual hosts served over VHDS (delta), by resource name {@code <route config>/<virtual host name>}, all
     * under this version.
     */
    public void setVirtualHosts(String version, java.util.Map<String, io.envoyproxy.envoy.config.route.v3.VirtualHost> hosts) {
        vhds.set(version, hosts);
    }

    /** The ScopedRouteConfigurations served over SRDS (to every subscription, by wildcard), all under this version. */
    public void setScopedRoutes(String version, io.envoyproxy.envoy.config.route.v3.ScopedRouteConfiguration... scopes) {
        srds.set(version, List.of(scopes));
    }

    /** While on, VHDS answers to on-demand aliases are held back (until {@link #releaseVirtualHosts}). */
    public void holdVirtualHosts() {
        vhds.hold(true);
    }

    public void releaseVirtualHosts() {
        vhds.release();
    }

    public List<DiscoveryRequest> requests(String typeUrl) {
        return requests.stream().filter(r -> r.getTypeUrl().equals(typeUrl)).collect(Collectors.toList());
    }

    public List<DeltaDiscoveryRequest> deltaRequests(String typeUrl) {
        return deltaRequests.stream().filter(r -> r.getTypeUrl().equals(typeUrl)).collect(Collectors.toList());
    }

    /** The first SotW request matching, waiting up to 10 s for it. */
    public DiscoveryRequest awaitRequest(String what, Predicate<DiscoveryRequest> p) {
        await(what, () -> requests.stream().anyMatch(p));
        return requests.stream().filter(p).findFirst().orElseThrow();
    }

    public DeltaDiscoveryRequest awaitDeltaRequest(String what, Predicate<DeltaDiscoveryRequest> p) {
        await(what, () -> deltaRequests.stream().anyMatch(p));
        return deltaRequests.stream().filter(p).findFirst().orElseThrow();
    }

    /**
     * The error_detail message of the first NACK of this type, waiting up to 10 s for it; a state-of-the-world NACK
     * must carry {@code acceptedVersion}, the last version the client accepted.
     */
    public String awaitNack(boolean delta, String typeUrl, String acceptedVersion) {
        if (delta) {
            return awaitDeltaRequest(typeUrl + " NACK", r -> r.getTypeUrl().equals(typeUrl) && r.hasErrorDetail())
                    .getErrorDetail().getMessage();
        }
        DiscoveryRequest nack = awaitRequest(typeUrl + " NACK", r -> r.getTypeUrl().equals(typeUrl) && r.hasErrorDetail());
        if (!nack.getVersionInfo().equals(acceptedVersion)) {
            throw new AssertionError("a NACK carries the last accepted version " + acceptedVersion + ": " + nack);
        }
        return nack.getErrorDetail().getMessage();
    }

    /** The client ACKed the latest SotW response of this type with its version and nonce. */
    public void awaitSotwAck(String typeUrl, String version) {
        await("ACK of " + typeUrl + " version " + version, () -> responses.stream()
                .filter(resp -> resp.getTypeUrl().equals(typeUrl) && resp.getVersionInfo().equals(version))
                .anyMatch(resp -> requests.stream().anyMatch(r -> r.getTypeUrl().equals(typeUrl)
                        && r.getResponseNonce().equals(resp.getNonce()) && r.getVersionInfo().equals(version)
                        && !r.hasErrorDetail())));
    }

    /** The client ACKed a delta response of this type carrying this system version. */
    public void awaitDeltaAck(String typeUrl, String version) {
        await("delta ACK of " + typeUrl + " version " + version, () -> deltaResponses.stream()
                .filter(resp -> resp.getTypeUrl().equals(typeUrl) && resp.getSystemVersionInfo().equals(version))
                .anyMatch(resp -> deltaRequests.stream().anyMatch(r -> r.getTypeUrl().equals(typeUrl)
                        && r.getResponseNonce().equals(resp.getNonce()) && !r.hasErrorDetail())));
    }

    public static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Override
    public void close() {
        if (server != null) {
            try {
                stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (udsGroup != null) {
            udsGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}

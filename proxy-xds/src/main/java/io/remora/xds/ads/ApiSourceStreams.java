package io.remora.xds.ads;

import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.Node;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * Resources fetched from an api_config_source rather than ADS: one discovery stream per (config source, type) to
 * that source's server, calling the type's own service (StreamListeners, DeltaClusters, StreamRoutes, ...; Istio's
 * pilot-agent sds-grpc is StreamSecrets), each with its own subscription, version, nonces and back-off, as Envoy's
 * non-aggregated GrpcMux keeps them. GRPC is state of the world, DELTA_GRPC incremental. LDS and CDS subscribe by
 * wildcard; a named type's stream opens when the first name needs it and closes when none does any more. (Envoy
 * opens one stream per subscription, e.g. per route configuration; one per source and type carries the same
 * requests with fewer connections.)
 *
 * <p>The client owns what the resources mean (merging, warming, applying); this class only carries the requests.
 * Everything runs on the client's control thread.
 */
final class ApiSourceStreams {
    private static final Logger log = Logger.getLogger(ApiSourceStreams.class.getName());

    /** What the client does with a stream's responses, on the control thread. */
    interface Sink {
        void onUpdate(ApiSourceKey key, XdsUpdate update);

        /** The stream was opened or re-opened: responses not yet applied were never ACKed and come again. */
        void onStreamRestart(ApiSourceKey key);

        /** The stream of {@code key} failed; it reopens after its back-off. */
        void onStreamClosed(ApiSourceKey key);
    }

    /** One stream and where its subscription stands. */
    private static final class Source {
        final AdsStream stream;
        /** Delta: what a new stream announces as held (the versions ACKed, not those running). */
        final DeltaVersions deltaVersions;
        Set<String> names = Set.of();
        String acceptedVersion = "";
        String lastNonce = "";
        boolean started;

        Source(AdsStream stream, boolean delta) {
            this.stream = stream;
            this.deltaVersions = delta ? new DeltaVersions() : null;
        }
    }

    private final Node node;
    private final ScheduledExecutorService control;
    private final Function<ApiConfigSource, XdsTarget> resolver;
    private final long backoffBaseMs;
    private final long backoffMaxMs;
    private final Sink sink;
    /** A stream's connected_state, by its type (Envoy keeps one per non-aggregated subscription's mux). */
    private final java.util.function.BiConsumer<XdsResourceType, Boolean> connected;
    private final Map<ApiSourceKey, Source> sources = new HashMap<>();
    /** Config sources that could not be resolved, logged once each. */
    private final Set<ApiSourceKey> unresolvable = new HashSet<>();
    /**
     * One channel per server, its streams multiplexed on one HTTP/2 connection as Envoy's gRPC client runs every
     * subscription to a cluster on its connection pool; made with the first stream, shut down with the client.
     */
    private final Map<XdsTarget, io.remora.xds.grpc.StreamChannel> channels = new java.util.concurrent.ConcurrentHashMap<>();
    private final XdsChannels eventLoop;

    ApiSourceStreams(Node node, ScheduledExecutorService control, XdsChannels eventLoop,
                     Function<ApiConfigSource, XdsTarget> resolver,
                     long backoffBaseMs, long backoffMaxMs, Sink sink,
                     java.util.function.BiConsumer<XdsResourceType, Boolean> connected) {
        this.node = node;
        this.control = control;
        this.eventLoop = eventLoop;
        this.resolver = resolver;
        this.backoffBaseMs = backoffBaseMs;
        this.backoffMaxMs = backoffMaxMs;
        this.sink = sink;
        this.connected = connected;
    }

    /** Every name of a type subscribed on some separate stream. */
    Set<String> names(XdsResourceType type) {
        Set<String> out = new HashSet<>();
        sources.forEach((k, s) -> {
            if (k.type() == type) {
                out.addAll(s.names);
            }
        });
        return out;
    }

    /** The names subscribed on one stream (empty when it has none, or is a wildcard one). */
    Set<String> names(ApiSourceKey key) {
        Source s = sources.get(key);
        return s == null ? Set.of() : s.names;
    }

    /**
     * Brings the streams to {@code wanted}: opens a stream for a new source, sends a changed subscription, and
     * closes the stream of a source nobody names any more. {@code held} is what the client holds, by type.
     */
    void subscribe(Map<ApiSourceKey, Set<String>> wanted,
                   Function<XdsResourceType, Map<String, XdsResource>> held) {
        for (var it = sources.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!wanted.containsKey(e.getKey())) {
                e.getValue().stream.close();
                it.remove();
            }
        }
        for (Map.Entry<ApiSourceKey, Set<String>> e : wanted.entrySet()) {
            Source s = sources.get(e.getKey());
            if (s == null) {
                s = open(e.getKey());
                if (s == null) {
                    continue;
                }
                s.names = Set.copyOf(e.getValue());
                s.stream.start(); // its onStreamOpen sends the first request
                continue;
            }
            if (s.names.equals(e.getValue())) {
                continue;
            }
            Set<String> old = s.names;
            s.names = Set.copyOf(e.getValue());
            if (!s.stream.isOpen()) {
                continue;
            }
            if (!s.started) {
                start(e.getKey(), s, held.apply(e.getKey().type()));
            } else {
                s.stream.protocol().resubscribe(e.getKey().type(), old, s.names, s.acceptedVersion, s.lastNonce);
            }
        }
    }

    private Source open(ApiSourceKey key) {
        ApiConfigSource api = key.api();
        String what = key.type().shortName();
        XdsTarget target;
        try {
            target = resolver.apply(api);
        } catch (RuntimeException e) {
            if (unresolvable.add(key)) {
                log.warning(what + ": cannot reach the config source " + api.getGrpcServicesList() + ": " + e.getMessage()
                        + "; the resources it names stay missing");
            }
            return null;
        }
        boolean firstOnly = api.getSetNodeOnFirstMessageOnly();
        boolean delta = api.getApiType() == ApiConfigSource.ApiType.DELTA_GRPC;
        XdsProtocolStream<?, ?> protocol = delta
                ? new DeltaProtocol(node, firstOnly, key.type()) : new SotwProtocol(node, firstOnly, key.type());
        // Like connected_state, a separate stream's control_plane stats are not reported.
        protocol.rateLimit(DiscoveryRequestLimiter.of(DiscoveryRequestLimiter.settings(api), control,
                DiscoveryRequestLimiter.Stats.NONE));
        Source[] self = new Source[1];
        io.remora.xds.grpc.StreamChannel channel = channels.computeIfAbsent(target, eventLoop::open);
        AdsStream stream = new AdsStream(target, channel, protocol, control, XdsClient.backOff(target, backoffBaseMs, backoffMaxMs),
                up -> connected.accept(key.type(), up), new AdsStream.Listener() {
                    @Override
                    public void onStreamOpen() {
                        Source s = self[0];
                        s.started = false;
                        s.lastNonce = "";
                        if (s.deltaVersions != null) {
                            s.deltaVersions.streamRestarted();
                        }
                        sink.onStreamRestart(key);
                    }

                    @Override
                    public void onUpdate(XdsUpdate update) {
                        Source s = self[0];
                        s.lastNonce = update.nonce();
                        if (s.deltaVersions != null) {
                            s.deltaVersions.received(update);
                        }
                        sink.onUpdate(key, update);
                    }

                    @Override
                    public void onStreamClosed() {
                        // the next open announces the subscription again
                        sink.onStreamClosed(key);
                    }
                });
        self[0] = new Source(stream, delta);
        sources.put(key, self[0]);
        log.info(() -> what + ": opening a separate stream to " + target);
        return self[0];
    }

    /** A stream is (re)open: its first request, with the versions held of its resources. */
    void startIfOpen(ApiSourceKey key, Map<String, XdsResource> held) {
        Source s = sources.get(key);
        if (s != null && s.stream.isOpen() && (key.type().wildcard || !s.names.isEmpty())) {
            start(key, s, held);
        }
    }

    private void start(ApiSourceKey key, Source s, Map<String, XdsResource> held) {
        Map<String, String> versions = new LinkedHashMap<>();
        if (s.deltaVersions != null) {
            // Envoy's DeltaSubscriptionState announces the versions it ACKed: a NACKed response's resources,
            // applied or not, are not among them
            versions.putAll(s.deltaVersions.held(key.type(), name -> key.type().wildcard || s.names.contains(name)));
        } else if (key.type().wildcard) {
            held.forEach((name, r) -> versions.put(name, r.version())); // the one source of the type
        }
        for (String name : s.names) {
            XdsResource r = held.get(name);
            if (r != null) {
                versions.put(name, r.version());
            }
        }
        s.stream.protocol().start(key.type(), s.names, s.acceptedVersion, versions);
        s.started = true;
    }

    void ack(ApiSourceKey key, String version, List<String> nonces) {
        Source s = sources.get(key);
        if (s == null) {
            return;
        }
        s.acceptedVersion = version;
        if (s.stream.isOpen() && !nonces.isEmpty()) {
            if (s.deltaVersions != null) {
                s.deltaVersions.acked(key.type(), nonces);
            }
            s.stream.protocol().ack(key.type(), s.names, version, nonces);
        }
    }

    void nack(ApiSourceKey key, List<String> nonces, String error) {
        Source s = sources.get(key);
        if (s != null && s.stream.isOpen() && !nonces.isEmpty()) {
            if (s.deltaVersions != null) {
                s.deltaVersions.nacked(key.type(), nonces);
            }
            s.stream.protocol().nack(key.type(), s.names, s.acceptedVersion, nonces, error);
        }
    }

    /** Closes every stream and channel (on the control thread). */
    void close() {
        for (Source s : sources.values()) {
            s.stream.close();
        }
        sources.clear();
        channels.values().forEach(io.remora.xds.grpc.StreamChannel::close);
    }

    /** Waits for the channels to go (off the control thread, after {@link #close}). */
    void awaitTermination() throws InterruptedException {
        for (io.remora.xds.grpc.StreamChannel c : List.copyOf(channels.values())) {
            c.awaitTermination(2000);
        }
    }
}

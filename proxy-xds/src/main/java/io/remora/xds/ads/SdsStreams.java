package io.remora.xds.ads;

import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.remora.util.JitteredBackOff;

import java.util.ArrayList;
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
 * Secrets whose sds_config is an api_config_source rather than ADS (Istio: every workload certificate and root,
 * from pilot-agent's {@code sds-grpc} cluster on a Unix socket): one SecretDiscoveryService stream per distinct
 * config source, separate from ADS, each with its own subscription, version, nonces and back-off, as Envoy keeps
 * them. GRPC is state of the world (StreamSecrets), DELTA_GRPC incremental (DeltaSecrets). A source's stream opens
 * when the first secret names it and closes when none does any more.
 *
 * <p>The client owns what the secrets mean (merging, warming, applying); this class only carries the requests.
 * Everything runs on the client's control thread.
 */
final class SdsStreams {
    private static final Logger log = Logger.getLogger(SdsStreams.class.getName());

    /** What the client does with a source's responses, on the control thread. */
    interface Sink {
        void onUpdate(ApiConfigSource source, XdsUpdate update);

        /** The stream was opened or re-opened: responses not yet applied were never ACKed and come again. */
        void onStreamRestart(ApiConfigSource source);
    }

    /** One config source's stream and where its subscription stands. */
    private static final class Source {
        final AdsStream stream;
        Set<String> names = Set.of();
        String acceptedVersion = "";
        String lastNonce = "";
        boolean started;

        Source(AdsStream stream) {
            this.stream = stream;
        }
    }

    private final Node node;
    private final ScheduledExecutorService control;
    private final Function<ApiConfigSource, XdsTarget> resolver;
    private final long backoffBaseMs;
    private final long backoffMaxMs;
    private final Sink sink;
    private final Map<ApiConfigSource, Source> sources = new HashMap<>();
    /** Config sources that could not be resolved, logged once each. */
    private final Set<ApiConfigSource> unresolvable = new HashSet<>();
    private final List<AdsStream> closed = new java.util.concurrent.CopyOnWriteArrayList<>();

    SdsStreams(Node node, ScheduledExecutorService control, Function<ApiConfigSource, XdsTarget> resolver,
               long backoffBaseMs, long backoffMaxMs, Sink sink) {
        this.node = node;
        this.control = control;
        this.resolver = resolver;
        this.backoffBaseMs = backoffBaseMs;
        this.backoffMaxMs = backoffMaxMs;
        this.sink = sink;
    }

    /** Every secret name subscribed on some separate stream. */
    Set<String> names() {
        Set<String> out = new HashSet<>();
        sources.values().forEach(s -> out.addAll(s.names));
        return out;
    }

    /** The names subscribed on one source's stream (empty when it has none). */
    Set<String> names(ApiConfigSource source) {
        Source s = sources.get(source);
        return s == null ? Set.of() : s.names;
    }

    /**
     * Brings the streams to {@code wanted}: opens a stream for a new source, sends a changed subscription, and
     * closes the stream of a source nobody names any more.
     */
    void subscribe(Map<ApiConfigSource, Set<String>> wanted, Map<String, XdsResource> held) {
        for (var it = sources.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!wanted.containsKey(e.getKey())) {
                e.getValue().stream.close();
                closed.add(e.getValue().stream);
                it.remove();
            }
        }
        for (Map.Entry<ApiConfigSource, Set<String>> e : wanted.entrySet()) {
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
                start(s, held);
            } else {
                s.stream.protocol().resubscribe(XdsResourceType.SECRET, old, s.names, s.acceptedVersion, s.lastNonce);
            }
        }
    }

    private Source open(ApiConfigSource api) {
        XdsTarget target;
        try {
            target = resolver.apply(api);
        } catch (RuntimeException e) {
            if (unresolvable.add(api)) {
                log.warning("SDS: cannot reach the config source " + api.getGrpcServicesList() + ": " + e.getMessage()
                        + "; the secrets it names stay missing");
            }
            return null;
        }
        boolean firstOnly = api.getSetNodeOnFirstMessageOnly();
        XdsProtocol protocol = api.getApiType() == ApiConfigSource.ApiType.DELTA_GRPC
                ? new DeltaProtocol(node, firstOnly, true) : new SotwProtocol(node, firstOnly, true);
        Source[] self = new Source[1];
        AdsStream stream = new AdsStream(target, protocol, control, new JitteredBackOff(backoffBaseMs, backoffMaxMs),
                up -> { }, new AdsStream.Listener() {
                    @Override
                    public void onStreamOpen() {
                        Source s = self[0];
                        s.started = false;
                        s.lastNonce = "";
                        sink.onStreamRestart(api);
                    }

                    @Override
                    public void onUpdate(XdsUpdate update) {
                        self[0].lastNonce = update.nonce();
                        sink.onUpdate(api, update);
                    }

                    @Override
                    public void onStreamClosed() {
                        // the next open announces the subscription again
                    }
                });
        self[0] = new Source(stream);
        sources.put(api, self[0]);
        log.info(() -> "SDS: opening a separate stream to " + target);
        return self[0];
    }

    /** A stream is (re)open: its first request, with the versions held of its secrets. */
    void startIfOpen(ApiConfigSource api, Map<String, XdsResource> held) {
        Source s = sources.get(api);
        if (s != null && s.stream.isOpen() && !s.names.isEmpty()) {
            start(s, held);
        }
    }

    private void start(Source s, Map<String, XdsResource> held) {
        Map<String, String> versions = new LinkedHashMap<>();
        for (String name : s.names) {
            XdsResource r = held.get(name);
            if (r != null) {
                versions.put(name, r.version());
            }
        }
        s.stream.protocol().start(XdsResourceType.SECRET, s.names, s.acceptedVersion, versions);
        s.started = true;
    }

    void ack(ApiConfigSource api, String version, List<String> nonces) {
        Source s = sources.get(api);
        if (s == null) {
            return;
        }
        s.acceptedVersion = version;
        if (s.stream.isOpen() && !nonces.isEmpty()) {
            s.stream.protocol().ack(XdsResourceType.SECRET, s.names, version, nonces);
        }
    }

    void nack(ApiConfigSource api, List<String> nonces, String error) {
        Source s = sources.get(api);
        if (s != null && s.stream.isOpen() && !nonces.isEmpty()) {
            s.stream.protocol().nack(XdsResourceType.SECRET, s.names, s.acceptedVersion, nonces, error);
        }
    }

    /** Closes every stream (on the control thread). */
    void close() {
        for (Source s : sources.values()) {
            s.stream.close();
            closed.add(s.stream);
        }
        sources.clear();
    }

    /** Waits for the closed streams' channels to go (off the control thread). */
    void awaitTermination() throws InterruptedException {
        for (AdsStream s : List.copyOf(closed)) {
            s.awaitTermination();
        }
    }
}

package io.remora.xds.ads;

import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the xDS client subscribes to and where each type stands on the ADS stream: the names per
 * type (LDS and CDS by wildcard; RDS, EDS and SDS by the names the listeners and clusters need,
 * plus those asked for explicitly), the last nonce, whether the type was started on this stream;
 * and the ACK/NACK, (re)subscribe and start requests that follow from it. What comes from an
 * api_config_source of its own (LDS, CDS, RDS, EDS, SDS, RTDS) is subscribed through
 * {@link ApiSourceStreams}. Control thread only.
 */
final class AdsSubscriptions {

    /** Per type: the names subscribed and where the stream stands. */
    private static final class TypeWatch {
        Set<String> names = Set.of();
        Set<String> explicit = Set.of();
        String lastNonce = "";
        boolean startedOnStream;
    }

    /** Null without an ADS target (files only). */
    private final AdsStream stream;
    private final Set<XdsResourceType> adsTypes;
    private final boolean delta;
    private final ApiSourceStreams sources;
    /** The bootstrap's subscriptions on separate streams: LDS and CDS by wildcard, RTDS layers by name. */
    private final Map<ApiSourceKey, Set<String>> fixed;
    /** Where LDS and CDS come from when not ADS: what {@code self} in their RDS and EDS config sources means. */
    private final ApiConfigSource ldsSource;
    private final ApiConfigSource cdsSource;
    private final EnumMap<XdsResourceType, TypeWatch> watches = new EnumMap<>(XdsResourceType.class);
    /** Delta: what a new stream announces as held. */
    private final DeltaVersions deltaVersions = new DeltaVersions();

    /** CDS and LDS (over ADS or on streams of their own) are not subscribed while this holds them. */
    private final StartOrder startOrder;

    AdsSubscriptions(AdsStream stream, Set<XdsResourceType> adsTypes, boolean delta, ApiSourceStreams sources,
                     Map<ApiSourceKey, Set<String>> fixed, StartOrder startOrder) {
        this.startOrder = startOrder;
        this.stream = stream;
        this.adsTypes = adsTypes;
        this.delta = delta;
        this.sources = sources;
        this.fixed = fixed;
        this.ldsSource = ConfigSourceRouting.wildcardSource(fixed, XdsResourceType.LISTENER);
        this.cdsSource = ConfigSourceRouting.wildcardSource(fixed, XdsResourceType.CLUSTER);
        for (XdsResourceType t : XdsResourceType.values()) {
            watches.put(t, new TypeWatch());
        }
    }

    /** The names of a type subscribed on the ADS stream. */
    Set<String> names(XdsResourceType type) {
        return watches.get(type).names;
    }

    /** As {@link #names}, with those of the separate streams too. */
    Set<String> allNames(XdsResourceType type) {
        Set<String> names = watches.get(type).names;
        Set<String> separate = sources.names(type);
        if (separate.isEmpty()) {
            return names;
        }
        Set<String> all = new HashSet<>(names);
        all.addAll(separate);
        return all;
    }

    /** The static resources' fetched secrets: ADS names, and the names of each separate SDS source. */
    private Set<String> staticAdsSecrets = Set.of();
    private Map<ApiConfigSource, Set<String>> staticSdsSources = Map.of();

    /** The static resources' fetched secrets, subscribed beside the snapshots' by the next {@link #refresh}. */
    void staticSecrets(Map<String, io.envoyproxy.envoy.config.core.v3.ConfigSource> refs) {
        Set<String> ads = new HashSet<>();
        Map<ApiConfigSource, Set<String>> sources = new HashMap<>();
        refs.forEach((name, cs) -> {
            if (cs.hasAds()) {
                ads.add(name);
            } else if (cs.hasApiConfigSource()) {
                sources.computeIfAbsent(cs.getApiConfigSource(), k -> new HashSet<>()).add(name);
            }
        });
        staticAdsSecrets = Set.copyOf(ads);
        staticSdsSources = Map.copyOf(sources);
    }

    /** Names asked for beyond those derived from the listeners and clusters; applied by the next {@link #refresh}. */
    void explicit(XdsResourceType type, Set<String> names) {
        watches.get(type).explicit = names;
    }

    /** The ADS stream speaks delta xDS. */
    boolean delta() {
        return delta;
    }

    void responseReceived(XdsUpdate u) {
        watches.get(u.type()).lastNonce = u.nonce();
        if (delta) {
            deltaVersions.received(u);
        }
    }

    /**
     * Whether {@code type} was asked for on the stream: a response of a type nothing subscribed to is dropped, neither
     * ACKed nor NACKed, as GrpcMuxImpl's and NewGrpcMuxImpl's "no current subscribers".
     */
    boolean subscribedOnStream(XdsResourceType type) {
        return watches.get(type).startedOnStream;
    }

    private boolean streamOpen() {
        return stream != null && stream.isOpen();
    }

    /** A new stream: announce every subscription with what is held of it. */
    void startAll(XdsSnapshot accepted) {
        deltaVersions.streamRestarted();
        for (XdsResourceType t : XdsResourceType.values()) {
            TypeWatch w = watches.get(t);
            w.lastNonce = "";
            w.startedOnStream = false;
            if (startOrder.held(t)) {
                continue; // asked for by startReleased when its turn comes
            }
            if (t.wildcard && adsTypes.contains(t) || !w.names.isEmpty()) {
                start(t, w, accepted);
            }
        }
    }

    /** A held wildcard type was released: over ADS it is asked for now if the stream is open (else when it opens). */
    void startReleased(XdsResourceType type, XdsSnapshot accepted) {
        TypeWatch w = watches.get(type);
        if (adsTypes.contains(type) && streamOpen() && !w.startedOnStream) {
            start(type, w, accepted);
        }
    }

    private void start(XdsResourceType t, TypeWatch w, XdsSnapshot accepted) {
        Map<String, String> held = new LinkedHashMap<>();
        if (delta) {
            held.putAll(deltaVersions.held(t, name -> t.wildcard && w.names.isEmpty() || t.covers(w.names, name)));
        } else {
            accepted.state(t).resources().forEach((name, r) -> held.put(name, r.version()));
        }
        stream.protocol().start(t, w.names, accepted.versionInfo(t), held);
        w.startedOnStream = true;
    }

    void ack(XdsResourceType type, String versionInfo, List<String> nonces) {
        if (streamOpen()) {
            deltaVersions.acked(type, nonces);
            stream.protocol().ack(type, watches.get(type).names, versionInfo, nonces);
        }
    }

    void nack(XdsResourceType type, String acceptedVersionInfo, List<String> nonces, String error) {
        if (streamOpen()) {
            deltaVersions.nacked(type, nonces);
            stream.protocol().nack(type, watches.get(type).names, acceptedVersionInfo, nonces, error);
        }
    }

    /**
     * Names already subscribed asked for again (delta): Envoy's on-demand update sends them anew so that the
     * server answers them again.
     */
    void requestAgain(XdsResourceType type, Set<String> names) {
        if (streamOpen() && delta && watches.get(type).startedOnStream) {
            stream.protocol().resubscribe(type, Set.of(), names, "", watches.get(type).lastNonce);
        }
    }

    /**
     * RDS, EDS, ECDS and (ADS-sourced) SDS names follow the listeners and clusters of {@code candidate}
     * and {@code accepted}; changes go out at once.
     */
    void refresh(XdsSnapshot candidate, XdsSnapshot accepted) {
        // What runs keeps its routes and endpoints while its replacement warms: both sets stay subscribed.
        Map<ApiSourceKey, Set<String>> wanted = ConfigSourceRouting.mutableCopy(fixed);
        wanted.keySet().removeIf(k -> startOrder.held(k.type()));
        Set<String> rds = new HashSet<>(watches.get(XdsResourceType.ROUTE).explicit);
        Set<String> eds = new HashSet<>(watches.get(XdsResourceType.ENDPOINT).explicit);
        for (XdsSnapshot s : List.of(candidate, accepted)) {
            ConfigSourceRouting.split(s, ldsSource, cdsSource, wanted, rds, eds);
        }
        setNames(XdsResourceType.ROUTE, rds, accepted);
        setNames(XdsResourceType.ENDPOINT, eds, accepted);
        Set<String> srds = new HashSet<>();
        for (XdsSnapshot s : List.of(candidate, accepted)) {
            ConfigSourceRouting.srds(s, ldsSource, wanted, srds);
        }
        setNames(XdsResourceType.SCOPED_ROUTE, srds, accepted);
        Set<String> ecds = new HashSet<>(watches.get(XdsResourceType.EXTENSION_CONFIG).explicit);
        ecds.addAll(EcdsRefs.adsNames(candidate));
        ecds.addAll(EcdsRefs.adsNames(accepted));
        setNames(XdsResourceType.EXTENSION_CONFIG, ecds, accepted);
        Set<String> adsSecrets = new HashSet<>(watches.get(XdsResourceType.SECRET).explicit);
        adsSecrets.addAll(staticAdsSecrets);
        adsSecrets.addAll(XdsDependencies.sdsSecretNames(candidate));
        adsSecrets.addAll(XdsDependencies.sdsSecretNames(accepted));
        setNames(XdsResourceType.SECRET, adsSecrets, accepted);
        setNames(XdsResourceType.RUNTIME, watches.get(XdsResourceType.RUNTIME).explicit, accepted);
        if (delta) {
            // VHDS: each route configuration's namespace, and the on-demand aliases of those still there
            Set<String> namespaces = new HashSet<>(XdsDependencies.vhdsRouteConfigNames(candidate));
            namespaces.addAll(XdsDependencies.vhdsRouteConfigNames(accepted));
            Set<String> vhds = new HashSet<>(namespaces);
            for (String alias : watches.get(XdsResourceType.VIRTUAL_HOST).explicit) {
                if (XdsResourceType.VIRTUAL_HOST.covers(namespaces, alias)) {
                    vhds.add(alias);
                }
            }
            setNames(XdsResourceType.VIRTUAL_HOST, vhds, accepted);
        }
        if (delta && !adsTypes.contains(XdsResourceType.CLUSTER)) {
            // on-demand CDS without a wildcard CDS subscription: the clusters asked for, by name (none when
            // CDS comes from a file: OnDemandClusters asks nothing then)
            setNames(XdsResourceType.CLUSTER, watches.get(XdsResourceType.CLUSTER).explicit, accepted);
        }
        staticSdsSources.forEach((k, v) -> wanted.computeIfAbsent(new ApiSourceKey(k, XdsResourceType.SECRET),
                x -> new HashSet<>()).addAll(v));
        for (XdsSnapshot s : List.of(candidate, accepted)) {
            XdsDependencies.sdsSources(s).forEach((k, v) -> wanted.computeIfAbsent(
                    new ApiSourceKey(k, XdsResourceType.SECRET), x -> new HashSet<>()).addAll(v));
        }
        sources.subscribe(wanted, t -> accepted.state(t).resources());
    }

    private void setNames(XdsResourceType type, Set<String> names, XdsSnapshot accepted) {
        TypeWatch w = watches.get(type);
        if (w.names.equals(names)) {
            return;
        }
        Set<String> old = w.names;
        w.names = Set.copyOf(names);
        if (!streamOpen() || startOrder.held(type)) {
            return; // a held type (RTDS) is started with these names once released
        }
        if (!w.startedOnStream) {
            if (!names.isEmpty()) {
                start(type, w, accepted);
            }
        } else if (!names.isEmpty() || delta) {
            // An empty SotW request would be a wildcard subscription: Envoy sends none and ignores what comes.
            stream.protocol().resubscribe(type, old, w.names, accepted.versionInfo(type), w.lastNonce);
        }
    }
}

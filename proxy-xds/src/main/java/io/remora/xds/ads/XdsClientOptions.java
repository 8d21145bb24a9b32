package io.remora.xds.ads;

import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.core.v3.Node;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * How the client is wired: the ADS target and protocol variant, the node, which wildcard types come over ADS and
 * which from files (path_config_source), the initial_fetch_timeout and the reconnect back-off.
 *
 * @param target               the control plane, or null when everything comes from files
 * @param delta                DELTA_GRPC rather than GRPC
 * @param adsTypes             the types subscribed over ADS from the start, which initialization waits for: the
 *                             wildcard LDS and CDS, and RTDS (its names from {@link XdsClient#updateSubscriptions})
 * @param fileSources          LDS/CDS/RTDS read from a file instead
 * @param initialFetchTimeout  how long initialization and warming wait; null waits forever
 * @param typeRegistry         resolves the @type of Any fields inside files (extension configs)
 * @param sourceResolver       where an api_config_source (a separate stream) connects: its envoy_grpc static
 *                             cluster's endpoint or its google_grpc target; null when there are none to resolve
 * @param apiSubscriptions     the bootstrap's subscriptions on separate api_config_source streams, which
 *                             initialization waits for too: LDS and CDS by wildcard (no names), RTDS layers by name
 * @param adsRateLimit         ads_config.rate_limit_settings, or null: ADS requests are not limited
 */
public record XdsClientOptions(XdsTarget target, boolean delta, Node node, boolean nodeOnFirstMessageOnly,
                               Set<XdsResourceType> adsTypes, Map<XdsResourceType, Path> fileSources,
                               Duration initialFetchTimeout, JsonFormat.TypeRegistry typeRegistry,
                               long backoffBaseMs, long backoffMaxMs,
                               java.util.function.Function<io.envoyproxy.envoy.config.core.v3.ApiConfigSource, XdsTarget> sourceResolver,
                               Map<ApiSourceKey, Set<String>> apiSubscriptions,
                               io.envoyproxy.envoy.config.core.v3.RateLimitSettings adsRateLimit) {
    public static final Duration DEFAULT_INITIAL_FETCH_TIMEOUT = Duration.ofSeconds(15);
    /** Envoy's xDS reconnect back-off: jittered, from 500 ms doubling to 30 s. */
    public static final long DEFAULT_BACKOFF_BASE_MS = 500;
    public static final long DEFAULT_BACKOFF_MAX_MS = 30_000;

    public XdsClientOptions {
        adsTypes = adsTypes.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(adsTypes));
        fileSources = Map.copyOf(fileSources);
        apiSubscriptions = apiSubscriptions == null ? Map.of() : Map.copyOf(apiSubscriptions);
        if (initialFetchTimeout != null && initialFetchTimeout.isZero()) {
            initialFetchTimeout = null; // Envoy: 0 disables the timeout
        }
        if (typeRegistry == null) {
            typeRegistry = XdsTypeRegistry.DEFAULT;
        }
        if (sourceResolver == null) {
            sourceResolver = api -> {
                throw new IllegalArgumentException("no static clusters to resolve the SDS config source's grpc_services");
            };
        }
    }

    /** No cds_config (neither ADS, a file nor a stream): clusters beyond the static ones come only on demand (ODCDS). */
    public boolean clustersOnDemandOnly() {
        return !adsTypes.contains(XdsResourceType.CLUSTER) && !fileSources.containsKey(XdsResourceType.CLUSTER)
                && apiSubscriptions.keySet().stream().noneMatch(k -> k.type() == XdsResourceType.CLUSTER);
    }

    /** ADS for both LDS and CDS with Envoy's defaults. */
    public static XdsClientOptions ads(XdsTarget target, boolean delta, Node node) {
        return new XdsClientOptions(target, delta, node, false, EnumSet.of(XdsResourceType.LISTENER, XdsResourceType.CLUSTER),
                Map.of(), DEFAULT_INITIAL_FETCH_TIMEOUT, null, XdsClientOptions.DEFAULT_BACKOFF_BASE_MS, XdsClientOptions.DEFAULT_BACKOFF_MAX_MS, null, Map.of(), null);
    }

    public XdsClientOptions withInitialFetchTimeout(Duration timeout) {
        return new XdsClientOptions(target, delta, node, nodeOnFirstMessageOnly, adsTypes, fileSources, timeout, typeRegistry,
                backoffBaseMs, backoffMaxMs, sourceResolver, apiSubscriptions, adsRateLimit);
    }

    public XdsClientOptions withBackoff(long baseMs, long maxMs) {
        return new XdsClientOptions(target, delta, node, nodeOnFirstMessageOnly, adsTypes, fileSources, initialFetchTimeout,
                typeRegistry, baseMs, maxMs, sourceResolver, apiSubscriptions, adsRateLimit);
    }

    public XdsClientOptions withFileSources(Set<XdsResourceType> ads, Map<XdsResourceType, Path> files) {
        return new XdsClientOptions(target, delta, node, nodeOnFirstMessageOnly, ads, files, initialFetchTimeout, typeRegistry,
                backoffBaseMs, backoffMaxMs, sourceResolver, apiSubscriptions, adsRateLimit);
    }

    public XdsClientOptions withTypeRegistry(JsonFormat.TypeRegistry registry) {
        return new XdsClientOptions(target, delta, node, nodeOnFirstMessageOnly, adsTypes, fileSources, initialFetchTimeout,
                registry, backoffBaseMs, backoffMaxMs, sourceResolver, apiSubscriptions, adsRateLimit);
    }

    public XdsClientOptions withNodeOnFirstMessageOnly(boolean firstOnly) {
        return new XdsClientOptions(target, delta, node, firstOnly, adsTypes, fileSources, initialFetchTimeout, typeRegistry,
                backoffBaseMs, backoffMaxMs, sourceResolver, apiSubscriptions, adsRateLimit);
    }

    public XdsClientOptions withSourceResolver(
            java.util.function.Function<io.envoyproxy.envoy.config.core.v3.ApiConfigSource, XdsTarget> resolver) {
        return new XdsClientOptions(target, delta, node, nodeOnFirstMessageOnly, adsTypes, fileSources, initialFetchTimeout,
                typeRegistry, backoffBaseMs, backoffMaxMs, resolver, apiSubscriptions, adsRateLimit);
    }
}

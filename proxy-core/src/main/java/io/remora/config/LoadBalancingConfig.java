package io.remora.config;

import java.time.Duration;

/**
 * How a cluster balances: {@code common_lb_config} and the policy-specific configs
 * ({@code ring_hash_lb_config}, {@code maglev_lb_config}, {@code least_request_lb_config}), with
 * Envoy's defaults.
 *
 * @param healthyPanicThreshold percent; below it a priority balances over all its hosts (0 disables)
 * @param localityWeighted      {@code locality_weighted_lb_config}: pick a locality by its weight first
 * @param zoneAware             {@code zone_aware_lb_config}; null disables zone-aware routing
 * @param activeRequestBias     LEAST_REQUEST's {@code active_request_bias} (1.0)
 * @param slowStart             {@code slow_start_config} of round robin / least request; null when unset
 * @param overrideHostStatus    {@code override_host_status}: the host statuses (bit per
 *                              {@link ClusterLoadAssignment.HealthStatus} ordinal) an override host
 *                              (stateful session) may have to be picked
 * @param clientSideWeights     {@code client_side_weighted_round_robin}: round robin over weights the
 *                              hosts' ORCA load reports give; null for every other policy
 * @param shuffleAddressList    {@code pick_first}'s {@code shuffle_address_list}: the first host in a
 *                              per-process random order instead of the endpoints' order
 * @param leastRequestFullScan  least request's {@code selection_method: FULL_SCAN}: every host is
 *                              compared (ties broken at random) instead of {@code choice_count} draws
 */
public record LoadBalancingConfig(
        double healthyPanicThreshold,
        boolean localityWeighted,
        ZoneAware zoneAware,
        RingHash ringHash,
        Maglev maglev,
        double activeRequestBias,
        SlowStart slowStart,
        int overrideHostStatus,
        ClientSideWeights clientSideWeights,
        boolean shuffleAddressList,
        boolean leastRequestFullScan) {

    /** Envoy's default override_host_status: UNKNOWN, HEALTHY, DEGRADED. */
    public static final int DEFAULT_OVERRIDE_HOST_STATUS = 1 << ClusterLoadAssignment.HealthStatus.UNKNOWN.ordinal()
            | 1 << ClusterLoadAssignment.HealthStatus.HEALTHY.ordinal()
            | 1 << ClusterLoadAssignment.HealthStatus.DEGRADED.ordinal();

    public static final LoadBalancingConfig DEFAULT = new LoadBalancingConfig(50, false, null, RingHash.DEFAULT,
            Maglev.DEFAULT, 1.0, null);

    public enum HashFunction { XX_HASH, MURMUR_HASH_2 }

    /**
     * {@code ring_hash_lb_config}: ring of 1024..8M entries, xxHash by default.
     *
     * @param hashBalanceFactor {@code consistent_hashing_lb_config.hash_balance_factor}: bounded
     *                          loads, a host's share of the active requests capped at this percent of
     *                          the average; 0: unbounded
     */
    public record RingHash(long minimumRingSize, long maximumRingSize, HashFunction hashFunction,
                           boolean useHostnameForHashing, int hashBalanceFactor) {
        public static final RingHash DEFAULT = new RingHash(1024, 8L * 1024 * 1024, HashFunction.XX_HASH, false);

        public RingHash(long minimumRingSize, long maximumRingSize, HashFunction hashFunction,
                        boolean useHostnameForHashing) {
            this(minimumRingSize, maximumRingSize, hashFunction, useHostnameForHashing, 0);
        }
    }

    /**
     * {@code maglev_lb_config}: a prime table size, 65537 by default.
     *
     * @param hashBalanceFactor as {@link RingHash#hashBalanceFactor}
     */
    public record Maglev(long tableSize, boolean useHostnameForHashing, int hashBalanceFactor) {
        public static final Maglev DEFAULT = new Maglev(65537, false);

        public Maglev(long tableSize, boolean useHostnameForHashing) {
            this(tableSize, useHostnameForHashing, 0);
        }
    }

    /**
     * {@code zone_aware_lb_config}: routingEnabled percent of requests are zone aware (100), only
     * when the upstream cluster has at least minClusterSize healthy hosts (6).
     *
     * @param failTrafficOnPanic         no host (503) instead of all hosts while a priority, or the
     *                                   local cluster, is in panic
     * @param forceLocalityDirectRouting all zone-aware load to the local locality while it has a
     *                                   healthy host (the load balancing policy extensions' field)
     */
    public record ZoneAware(double routingEnabled, long minClusterSize, boolean failTrafficOnPanic,
                            boolean forceLocalityDirectRouting) {
        public static final ZoneAware DEFAULT = new ZoneAware(100, 6, false, false);

        public ZoneAware(double routingEnabled, long minClusterSize, boolean failTrafficOnPanic) {
            this(routingEnabled, minClusterSize, failTrafficOnPanic, false);
        }
    }

    /** {@code slow_start_config}: new hosts ramp up over window, weight scaled by (t/window)^(1/aggression). */
    public record SlowStart(Duration window, double aggression, double minWeightPercent) {
    }

    /**
     * {@code client_side_weighted_round_robin}: a host's weight is {@code qps / (utilization + eps /
     * qps × errorUtilizationPenalty)} from its last ORCA report, used once it has reported for
     * {@code blackoutPeriod} and until its last report is {@code weightExpirationPeriod} old;
     * recomputed every {@code weightUpdatePeriod}.
     *
     * @param metricNamesForComputingUtilization {@code named_metrics.<key>} / {@code utilization.<key>}
     *                          (or a plain field name): their largest value is the utilization when
     *                          the report has no {@code application_utilization}
     */
    public record ClientSideWeights(Duration blackoutPeriod, Duration weightExpirationPeriod,
                                    Duration weightUpdatePeriod, double errorUtilizationPenalty,
                                    java.util.List<String> metricNamesForComputingUtilization) {
        public static final ClientSideWeights DEFAULT = new ClientSideWeights(Duration.ofSeconds(10),
                Duration.ofMinutes(3), Duration.ofSeconds(1), 1.0, java.util.List.of());

        public ClientSideWeights {
            metricNamesForComputingUtilization = java.util.List.copyOf(metricNamesForComputingUtilization);
        }
    }

    public LoadBalancingConfig(double healthyPanicThreshold, boolean localityWeighted, ZoneAware zoneAware,
                               RingHash ringHash, Maglev maglev, double activeRequestBias, SlowStart slowStart) {
        this(healthyPanicThreshold, localityWeighted, zoneAware, ringHash, maglev, activeRequestBias, slowStart,
                DEFAULT_OVERRIDE_HOST_STATUS, null, false, false);
    }

    public LoadBalancingConfig withPanicThreshold(double v) {
        return new LoadBalancingConfig(v, localityWeighted, zoneAware, ringHash, maglev, activeRequestBias, slowStart,
                overrideHostStatus, clientSideWeights, shuffleAddressList, leastRequestFullScan);
    }

    public LoadBalancingConfig withOverrideHostStatus(int statuses) {
        return new LoadBalancingConfig(healthyPanicThreshold, localityWeighted, zoneAware, ringHash, maglev,
                activeRequestBias, slowStart, statuses, clientSideWeights, shuffleAddressList, leastRequestFullScan);
    }

    /** Round robin weighted by ORCA reports (null: by the endpoints' own weights). */
    public LoadBalancingConfig withClientSideWeights(ClientSideWeights w) {
        return new LoadBalancingConfig(healthyPanicThreshold, localityWeighted, zoneAware, ringHash, maglev,
                activeRequestBias, slowStart, overrideHostStatus, w, shuffleAddressList, leastRequestFullScan);
    }

    /** Pick first over a shuffled order of the hosts. */
    public LoadBalancingConfig withShuffleAddressList(boolean shuffle) {
        return new LoadBalancingConfig(healthyPanicThreshold, localityWeighted, zoneAware, ringHash, maglev,
                activeRequestBias, slowStart, overrideHostStatus, clientSideWeights, shuffle, leastRequestFullScan);
    }

    /** Locality-weighted picking on (wrr_locality), the rest as it is. */
    public LoadBalancingConfig withLocalityWeighted() {
        return new LoadBalancingConfig(healthyPanicThreshold, true, zoneAware, ringHash, maglev,
                activeRequestBias, slowStart, overrideHostStatus, clientSideWeights, shuffleAddressList,
                leastRequestFullScan);
    }

    /** Least request comparing every host (FULL_SCAN) rather than choice_count random ones. */
    public LoadBalancingConfig withLeastRequestFullScan(boolean fullScan) {
        return new LoadBalancingConfig(healthyPanicThreshold, localityWeighted, zoneAware, ringHash, maglev,
                activeRequestBias, slowStart, overrideHostStatus, clientSideWeights, shuffleAddressList, fullScan);
    }

    public boolean overrideAllowed(ClusterLoadAssignment.HealthStatus status) {
        return (overrideHostStatus & 1 << status.ordinal()) != 0;
    }
}

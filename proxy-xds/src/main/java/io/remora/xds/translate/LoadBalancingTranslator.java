package io.remora.xds.translate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.remora.config.LoadBalancingConfig;

/**
 * {@code common_lb_config} and the policy configs of a cluster ({@code ring_hash_lb_config},
 * {@code maglev_lb_config}, {@code least_request_lb_config}, {@code round_robin_lb_config}).
 */
final class LoadBalancingTranslator {
    private static final long MAX_RING = 8L * 1024 * 1024;

    private LoadBalancingTranslator() {
    }

    static LoadBalancingConfig translate(Cluster c, FieldPath path, TranslationContext ctx) {
        LoadBalancingConfig d = LoadBalancingConfig.DEFAULT;
        double panic = d.healthyPanicThreshold();
        boolean localityWeighted = false;
        LoadBalancingConfig.ZoneAware zoneAware = null;
        if (c.hasCommonLbConfig()) {
            var common = c.getCommonLbConfig();
            FieldPath cp = path.field("common_lb_config");
            if (common.hasHealthyPanicThreshold()) {
                panic = common.getHealthyPanicThreshold().getValue();
                if (panic < 0 || panic > 100) {
                    throw cp.field("healthy_panic_threshold").error("must be between 0 and 100");
                }
                // Envoy rounds the percent to a whole number (PROTOBUF_PERCENT_TO_ROUNDED_INTEGER_OR_DEFAULT).
                panic = Math.round(panic);
            }
            if (common.hasLocalityWeightedLbConfig()) {
                localityWeighted = true;
            } else if (common.hasZoneAwareLbConfig()) {
                var z = common.getZoneAwareLbConfig();
                LoadBalancingConfig.ZoneAware zd = LoadBalancingConfig.ZoneAware.DEFAULT;
                zoneAware = new LoadBalancingConfig.ZoneAware(
                        z.hasRoutingEnabled() ? Math.round(z.getRoutingEnabled().getValue()) : zd.routingEnabled(),
                        z.hasMinClusterSize() ? z.getMinClusterSize().getValue() : zd.minClusterSize(),
                        z.getFailTrafficOnPanic());
            }
        }
        LoadBalancingConfig.RingHash ring = d.ringHash();
        if (c.hasRingHashLbConfig()) {
            var r = c.getRingHashLbConfig();
            FieldPath rp = path.field("ring_hash_lb_config");
            long min = r.hasMinimumRingSize() ? r.getMinimumRingSize().getValue() : ring.minimumRingSize();
            long max = r.hasMaximumRingSize() ? r.getMaximumRingSize().getValue() : ring.maximumRingSize();
            if (max > MAX_RING) {
                throw rp.field("maximum_ring_size").error("must be at most " + MAX_RING);
            }
            if (min > max) {
                throw rp.field("minimum_ring_size").error("minimum_ring_size (" + min
                        + ") must not exceed maximum_ring_size (" + max + ")");
            }
            LoadBalancingConfig.HashFunction fn = switch (r.getHashFunction()) {
                case MURMUR_HASH_2 -> LoadBalancingConfig.HashFunction.MURMUR_HASH_2;
                default -> LoadBalancingConfig.HashFunction.XX_HASH;
            };
            ring = new LoadBalancingConfig.RingHash(Math.max(1, min), max, fn,
                    c.hasCommonLbConfig() && c.getCommonLbConfig().hasConsistentHashingLbConfig()
                            && c.getCommonLbConfig().getConsistentHashingLbConfig().getUseHostnameForHashing());
        }
        LoadBalancingConfig.Maglev maglev = d.maglev();
        if (c.hasMaglevLbConfig()) {
            var m = c.getMaglevLbConfig();
            long size = m.hasTableSize() ? m.getTableSize().getValue() : maglev.tableSize();
            if (!java.math.BigInteger.valueOf(size).isProbablePrime(30) || size > 5000011) {
                throw path.field("maglev_lb_config").field("table_size")
                        .error("must be a prime number no larger than 5000011, got " + size);
            }
            maglev = new LoadBalancingConfig.Maglev(size, false);
        }
        if (c.hasCommonLbConfig() && c.getCommonLbConfig().hasConsistentHashingLbConfig()) {
            var ch = c.getCommonLbConfig().getConsistentHashingLbConfig();
            boolean byName = ch.getUseHostnameForHashing();
            int factor = ch.hasHashBalanceFactor() ? TypedLbPolicyTranslator.balanceFactor(
                    ch.getHashBalanceFactor().getValue(), path.field("common_lb_config")
                            .field("consistent_hashing_lb_config").field("hash_balance_factor")) : 0;
            ring = new LoadBalancingConfig.RingHash(ring.minimumRingSize(), ring.maximumRingSize(), ring.hashFunction(),
                    byName, factor);
            maglev = new LoadBalancingConfig.Maglev(maglev.tableSize(), byName, factor);
        }
        double bias = d.activeRequestBias();
        LoadBalancingConfig.SlowStart slowStart = null;
        if (c.hasLeastRequestLbConfig()) {
            var lr = c.getLeastRequestLbConfig();
            if (lr.hasActiveRequestBias()) {
                bias = lr.getActiveRequestBias().getDefaultValue();
                if (bias < 0) {
                    throw path.field("least_request_lb_config").field("active_request_bias")
                            .error("must be at least 0");
                }
            }
            if (lr.hasSlowStartConfig()) {
                slowStart = slowStart(lr.getSlowStartConfig(), path.field("least_request_lb_config").field("slow_start_config"));
            }
        }
        if (c.hasRoundRobinLbConfig() && c.getRoundRobinLbConfig().hasSlowStartConfig()) {
            slowStart = slowStart(c.getRoundRobinLbConfig().getSlowStartConfig(),
                    path.field("round_robin_lb_config").field("slow_start_config"));
        }
        return new LoadBalancingConfig(panic, localityWeighted, zoneAware, ring, maglev, bias, slowStart);
    }

    private static LoadBalancingConfig.SlowStart slowStart(Cluster.SlowStartConfig s, FieldPath path) {
        java.time.Duration window = Protos.duration(s.hasSlowStartWindow(), s.getSlowStartWindow(), java.time.Duration.ZERO);
        double aggression = s.hasAggression() ? s.getAggression().getDefaultValue() : 1.0;
        if (aggression <= 0) {
            throw path.field("aggression").error("must be greater than 0");
        }
        double minWeight = s.hasMinWeightPercent() ? s.getMinWeightPercent().getValue() : 10;
        return window.isZero() ? null : new LoadBalancingConfig.SlowStart(window, aggression, minWeight);
    }

    /** {@code override_host_status}: a bit per status (ordinals as the proto's numbers). */
    static int healthStatuses(io.envoyproxy.envoy.config.core.v3.HealthStatusSet set) {
        int bits = 0;
        for (var st : set.getStatusesList()) {
            if (st != io.envoyproxy.envoy.config.core.v3.HealthStatus.UNRECOGNIZED) {
                bits |= 1 << io.remora.config.ClusterLoadAssignment.HealthStatus.valueOf(st.name()).ordinal();
            }
        }
        return bits;
    }
}

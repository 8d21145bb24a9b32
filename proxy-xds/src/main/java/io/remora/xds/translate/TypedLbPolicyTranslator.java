package io.remora.xds.translate;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.extensions.load_balancing_policies.common.v3.ConsistentHashingLbConfig;
import io.envoyproxy.envoy.extensions.load_balancing_policies.common.v3.LocalityLbConfig;
import io.envoyproxy.envoy.extensions.load_balancing_policies.common.v3.SlowStartConfig;
import io.envoyproxy.envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest;
import io.envoyproxy.envoy.extensions.load_balancing_policies.maglev.v3.Maglev;
import io.envoyproxy.envoy.extensions.load_balancing_policies.random.v3.Random;
import io.envoyproxy.envoy.extensions.load_balancing_policies.ring_hash.v3.RingHash;
import io.envoyproxy.envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin;
import io.envoyproxy.envoy.config.cluster.v3.LoadBalancingPolicy;
import io.envoyproxy.envoy.extensions.load_balancing_policies.client_side_weighted_round_robin.v3.ClientSideWeightedRoundRobin;
import io.envoyproxy.envoy.extensions.load_balancing_policies.pick_first.v3.PickFirst;
import io.envoyproxy.envoy.extensions.load_balancing_policies.subset.v3.Subset;
import io.envoyproxy.envoy.extensions.load_balancing_policies.wrr_locality.v3.WrrLocality;
import io.remora.config.ClusterConfig.LbPolicy;
import io.remora.config.LoadBalancingConfig;
import io.remora.config.SubsetConfig;

/**
 * {@code load_balancing_policy}: the first of its policies Remora knows (as Envoy takes the first
 * it supports), with that policy's typed config: {@code locality_lb_config} (zone aware, with
 * {@code fail_traffic_on_panic} and {@code force_locality_direct_routing}, or locality weighted),
 * {@code slow_start_config}, least request's {@code choice_count} and {@code active_request_bias},
 * ring hash's and Maglev's table settings; {@code subset} (the typed lb_subset_config over its
 * child), {@code wrr_locality}, {@code pick_first} and {@code client_side_weighted_round_robin}.
 * Of {@code common_lb_config}, {@code healthy_panic_threshold} and {@code override_host_status}
 * still apply; its locality and consistent-hashing parts are refused, as Envoy's
 * configureLbPolicies refuses them.
 */
final class TypedLbPolicyTranslator {
    private static final String PREFIX = "envoy.extensions.load_balancing_policies.";
    private static final long MAX_RING = 8L * 1024 * 1024;

    /**
     * The chosen policy, least request's choice count, the balancing config and, for the typed
     * subset policy, its subsets (null otherwise).
     */
    record Choice(LbPolicy policy, int choiceCount, LoadBalancingConfig config, SubsetConfig subsets) {
        Choice(LbPolicy policy, int choiceCount, LoadBalancingConfig config) {
            this(policy, choiceCount, config, null);
        }
    }

    private TypedLbPolicyTranslator() {
    }

    /** Envoy reads load_balancing_policy when it is set or lb_policy asks for it, ignoring lb_policy then. */
    static boolean applies(Cluster c) {
        return c.hasLoadBalancingPolicy() || c.getLbPolicy() == Cluster.LbPolicy.LOAD_BALANCING_POLICY_CONFIG;
    }

    /** @param clusterPath the cluster's path (errors name {@code load_balancing_policy.policies[i]...}) */
    static Choice translate(Cluster c, FieldPath clusterPath, TranslationContext ctx) {
        FieldPath path = clusterPath.field("load_balancing_policy");
        if (!c.hasLoadBalancingPolicy()) {
            throw path.error("must be set when lb_policy is LOAD_BALANCING_POLICY_CONFIG");
        }
        if (c.hasLbSubsetConfig()) {
            throw clusterPath.field("lb_subset_config").error("cannot be combined with load_balancing_policy"
                    + " (the typed subset policy takes its place)");
        }
        double panic = LoadBalancingConfig.DEFAULT.healthyPanicThreshold();
        if (c.hasCommonLbConfig()) {
            var common = c.getCommonLbConfig();
            FieldPath cp = clusterPath.field("common_lb_config");
            String partial = common.hasZoneAwareLbConfig() ? "zone_aware_lb_config"
                    : common.hasLocalityWeightedLbConfig() ? "locality_weighted_lb_config"
                    : common.hasConsistentHashingLbConfig() ? "consistent_hashing_lb_config" : null;
            if (partial != null) {
                throw cp.field(partial).error("cannot be combined with load_balancing_policy (set it in the"
                        + " policy's own config)");
            }
            if (common.hasHealthyPanicThreshold()) {
                panic = common.getHealthyPanicThreshold().getValue();
                if (panic < 0 || panic > 100) {
                    throw cp.field("healthy_panic_threshold").error("must be between 0 and 100");
                }
                // Envoy rounds the percent to a whole number (PROTOBUF_PERCENT_TO_ROUNDED_INTEGER_OR_DEFAULT).
                panic = Math.round(panic);
            }
        }
        LoadBalancingConfig base = LoadBalancingConfig.DEFAULT.withPanicThreshold(panic);
        Choice choice = first(c.getLoadBalancingPolicy(), base, path, ctx, true);
        if (choice == null) {
            throw path.error("none of the load balancing policies is supported");
        }
        return choice;
    }

    /**
     * The first policy of the list Remora knows, translated; null when it knows none.
     *
     * @param subsetAllowed false under a subset policy: Remora runs no subset inside a subset
     */
    static Choice first(LoadBalancingPolicy list, LoadBalancingConfig base, FieldPath path, TranslationContext ctx,
                        boolean subsetAllowed) {
        var policies = list.getPoliciesList();
        for (int i = 0; i < policies.size(); i++) {
            var p = policies.get(i);
            if (!p.hasTypedExtensionConfig()) {
                continue;
            }
            Any any = p.getTypedExtensionConfig().getTypedConfig();
            String t = Protos.typeName(any);
            if (!t.startsWith(PREFIX) || t.indexOf('.', PREFIX.length()) < 0) {
                continue;
            }
            FieldPath tp = path.field("policies").index(i).field("typed_extension_config").field("typed_config");
            String name = t.substring(PREFIX.length(), t.indexOf('.', PREFIX.length()));
            Choice choice = switch (name) {
                case "round_robin" -> roundRobin(Protos.unpack(any, RoundRobin.class, tp), base, tp);
                case "least_request" -> leastRequest(Protos.unpack(any, LeastRequest.class, tp), base, tp);
                case "random" -> {
                    Random r = Protos.unpack(any, Random.class, tp);
                    yield new Choice(LbPolicy.RANDOM, 2, locality(r.hasLocalityLbConfig(), r.getLocalityLbConfig(), base));
                }
                case "ring_hash" -> ringHash(Protos.unpack(any, RingHash.class, tp), base, tp);
                case "maglev" -> maglev(Protos.unpack(any, Maglev.class, tp), base, tp);
                case "cluster_provided" -> new Choice(LbPolicy.CLUSTER_PROVIDED, 2, base);
                case "pick_first" -> new Choice(LbPolicy.PICK_FIRST, 2, base.withShuffleAddressList(
                        Protos.unpack(any, PickFirst.class, tp).getShuffleAddressList()));
                case "client_side_weighted_round_robin" -> new Choice(LbPolicy.ROUND_ROBIN, 2,
                        base.withClientSideWeights(ClientSideWrrTranslator.translate(
                                Protos.unpack(any, ClientSideWeightedRoundRobin.class, tp), tp, ctx)));
                case "wrr_locality" -> wrrLocality(Protos.unpack(any, WrrLocality.class, tp), base, tp, ctx);
                case "subset" -> {
                    if (!subsetAllowed) {
                        throw tp.error("a subset policy inside a subset policy is not supported");
                    }
                    yield TypedSubsetTranslator.translate(Protos.unpack(any, Subset.class, tp), base, tp, ctx);
                }
                default -> null;
            };
            if (choice != null) {
                return choice;
            }
        }
        return null;
    }

    /**
     * As Envoy's wrr_locality: locality-weighted picking over its {@code endpoint_picking_policy},
     * which must be client-side weighted round robin (Envoy refuses any other first known policy).
     */
    private static Choice wrrLocality(WrrLocality w, LoadBalancingConfig base, FieldPath path, TranslationContext ctx) {
        FieldPath ep = path.field("endpoint_picking_policy");
        if (!w.hasEndpointPickingPolicy()) {
            throw ep.error("missing required field");
        }
        Choice child = first(w.getEndpointPickingPolicy(), base, ep, ctx, true);
        if (child == null) {
            throw ep.error("none of the endpoint picking policies is supported");
        }
        // Client-side WRR alone: no subsets, no locality weighting of its own (a nested wrr_locality).
        if (child.config().clientSideWeights() == null || child.subsets() != null
                || child.config().localityWeighted()) {
            throw ep.error("wrr_locality supports only client_side_weighted_round_robin as its endpoint picking"
                    + " policy (as Envoy)");
        }
        return new Choice(child.policy(), child.choiceCount(), child.config().withLocalityWeighted());
    }

    private static Choice roundRobin(RoundRobin rr, LoadBalancingConfig base, FieldPath path) {
        LoadBalancingConfig lb = locality(rr.hasLocalityLbConfig(), rr.getLocalityLbConfig(), base);
        if (rr.hasSlowStartConfig()) {
            lb = withSlowStart(lb, slowStart(rr.getSlowStartConfig(), path.field("slow_start_config")));
        }
        return new Choice(LbPolicy.ROUND_ROBIN, 2, lb);
    }

    private static Choice leastRequest(LeastRequest lr, LoadBalancingConfig base, FieldPath path) {
        int choiceCount = Protos.uint(lr.hasChoiceCount(), lr.getChoiceCount(), 2);
        if (choiceCount < 2) {
            throw path.field("choice_count").error("must be at least 2");
        }
        LoadBalancingConfig lb = locality(lr.hasLocalityLbConfig(), lr.getLocalityLbConfig(), base);
        double bias = lb.activeRequestBias();
        if (lr.hasActiveRequestBias()) {
            bias = lr.getActiveRequestBias().getDefaultValue();
            if (bias < 0) {
                throw path.field("active_request_bias").error("must be at least 0");
            }
        }
        LoadBalancingConfig.SlowStart slow = lr.hasSlowStartConfig()
                ? slowStart(lr.getSlowStartConfig(), path.field("slow_start_config")) : null;
        lb = new LoadBalancingConfig(lb.healthyPanicThreshold(), lb.localityWeighted(), lb.zoneAware(), lb.ringHash(),
                lb.maglev(), bias, slow);
        // The deprecated enable_full_scan asks for the same as selection_method FULL_SCAN.
        boolean fullScan = lr.getSelectionMethod() == LeastRequest.SelectionMethod.FULL_SCAN
                || lr.hasEnableFullScan() && lr.getEnableFullScan().getValue();
        return new Choice(LbPolicy.LEAST_REQUEST, choiceCount, lb.withLeastRequestFullScan(fullScan));
    }

    private static Choice ringHash(RingHash r, LoadBalancingConfig base, FieldPath path) {
        LoadBalancingConfig.RingHash d = LoadBalancingConfig.RingHash.DEFAULT;
        long min = r.hasMinimumRingSize() ? r.getMinimumRingSize().getValue() : d.minimumRingSize();
        long max = r.hasMaximumRingSize() ? r.getMaximumRingSize().getValue() : d.maximumRingSize();
        if (min < 1 || min > MAX_RING) {
            throw path.field("minimum_ring_size").error("must be between 1 and " + MAX_RING);
        }
        if (max > MAX_RING) {
            throw path.field("maximum_ring_size").error("must be at most " + MAX_RING);
        }
        if (min > max) {
            throw path.field("minimum_ring_size").error("minimum_ring_size (" + min
                    + ") must not exceed maximum_ring_size (" + max + ")");
        }
        LoadBalancingConfig.HashFunction fn = r.getHashFunction() == RingHash.HashFunction.MURMUR_HASH_2
                ? LoadBalancingConfig.HashFunction.MURMUR_HASH_2 : LoadBalancingConfig.HashFunction.XX_HASH;
        boolean byName = byHostname(r.hasConsistentHashingLbConfig(), r.getConsistentHashingLbConfig(),
                r.getUseHostnameForHashing());
        // As Envoy: the consistent_hashing_lb_config's factor when that is set, else the deprecated field.
        int factor = r.hasConsistentHashingLbConfig()
                ? balanceFactor(r.getConsistentHashingLbConfig(), path.field("consistent_hashing_lb_config"))
                : r.hasHashBalanceFactor() ? balanceFactor(r.getHashBalanceFactor().getValue(),
                        path.field("hash_balance_factor")) : 0;
        LoadBalancingConfig lb = new LoadBalancingConfig(base.healthyPanicThreshold(), r.hasLocalityWeightedLbConfig(),
                null, new LoadBalancingConfig.RingHash(min, max, fn, byName, factor), base.maglev(),
                base.activeRequestBias(), null);
        return new Choice(LbPolicy.RING_HASH, 2, lb);
    }

    private static Choice maglev(Maglev m, LoadBalancingConfig base, FieldPath path) {
        long size = m.hasTableSize() ? m.getTableSize().getValue() : LoadBalancingConfig.Maglev.DEFAULT.tableSize();
        if (!java.math.BigInteger.valueOf(size).isProbablePrime(30) || size > 5000011) {
            throw path.field("table_size").error("must be a prime number no larger than 5000011, got " + size);
        }
        boolean byName = byHostname(m.hasConsistentHashingLbConfig(), m.getConsistentHashingLbConfig(), false);
        int factor = balanceFactor(m.getConsistentHashingLbConfig(), path.field("consistent_hashing_lb_config"));
        LoadBalancingConfig lb = new LoadBalancingConfig(base.healthyPanicThreshold(), m.hasLocalityWeightedLbConfig(),
                null, base.ringHash(), new LoadBalancingConfig.Maglev(size, byName, factor), base.activeRequestBias(),
                null);
        return new Choice(LbPolicy.MAGLEV, 2, lb);
    }

    /** {@code hash_balance_factor} of a consistent_hashing_lb_config; 0 (unbounded) when unset. */
    static int balanceFactor(ConsistentHashingLbConfig ch, FieldPath path) {
        return ch.hasHashBalanceFactor() ? balanceFactor(ch.getHashBalanceFactor().getValue(),
                path.field("hash_balance_factor")) : 0;
    }

    /** A set hash_balance_factor: at least 100 (percent of the average load). */
    static int balanceFactor(int factor, FieldPath path) {
        // uint32: a value past int's range reads negative and is as far past 100 as can be.
        if (factor >= 0 && factor < 100) {
            throw path.error("must be at least 100, got " + factor);
        }
        return factor < 0 ? Integer.MAX_VALUE : factor;
    }

    private static boolean byHostname(boolean has, ConsistentHashingLbConfig ch, boolean deprecated) {
        return has ? ch.getUseHostnameForHashing() : deprecated;
    }

    /** {@code locality_lb_config}: zone aware with its settings, or locality weighted. */
    private static LoadBalancingConfig locality(boolean has, LocalityLbConfig l, LoadBalancingConfig base) {
        if (!has) {
            return base;
        }
        boolean weighted = l.hasLocalityWeightedLbConfig();
        LoadBalancingConfig.ZoneAware zoneAware = null;
        if (l.hasZoneAwareLbConfig()) {
            var z = l.getZoneAwareLbConfig();
            LoadBalancingConfig.ZoneAware d = LoadBalancingConfig.ZoneAware.DEFAULT;
            zoneAware = new LoadBalancingConfig.ZoneAware(
                    z.hasRoutingEnabled() ? Math.round(z.getRoutingEnabled().getValue()) : d.routingEnabled(),
                    z.hasMinClusterSize() ? z.getMinClusterSize().getValue() : d.minClusterSize(),
                    z.getFailTrafficOnPanic(), z.getForceLocalityDirectRouting());
        }
        return new LoadBalancingConfig(base.healthyPanicThreshold(), weighted, zoneAware, base.ringHash(), base.maglev(),
                base.activeRequestBias(), base.slowStart());
    }

    private static LoadBalancingConfig withSlowStart(LoadBalancingConfig lb, LoadBalancingConfig.SlowStart s) {
        return new LoadBalancingConfig(lb.healthyPanicThreshold(), lb.localityWeighted(), lb.zoneAware(), lb.ringHash(),
                lb.maglev(), lb.activeRequestBias(), s);
    }

    private static LoadBalancingConfig.SlowStart slowStart(SlowStartConfig s, FieldPath path) {
        java.time.Duration window = Protos.duration(s.hasSlowStartWindow(), s.getSlowStartWindow(), java.time.Duration.ZERO);
        double aggression = s.hasAggression() ? s.getAggression().getDefaultValue() : 1.0;
        if (aggression <= 0) {
            throw path.field("aggression").error("must be greater than 0");
        }
        double minWeight = s.hasMinWeightPercent() ? s.getMinWeightPercent().getValue() : 10;
        return window.isZero() ? null : new LoadBalancingConfig.SlowStart(window, aggression, minWeight);
    }
}

package io.remora.upstream;

import io.netty.channel.unix.DomainSocketAddress;
import io.remora.config.Address;
import io.remora.config.ClusterConfig;
import io.remora.config.ClusterLoadAssignment;
import io.remora.config.ClusterLoadAssignment.LbEndpoint;
import io.remora.config.ClusterLoadAssignment.LocalityLbEndpoints;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A cluster's hosts from its endpoints: the hosts it had are kept (their health, stats and pools)
 * where the address (a DNS host's: see {@code key}) and transport socket metadata still match, new
 * ones made, and, in a health-checked EDS or DNS cluster, hosts no longer listed kept while they
 * pass their checks.
 */
final class HostMembership {

    private HostMembership() {
    }

    /** The hosts in order, grouped by priority; pendingDropped: a host kept after removal has now left. */
    record Result(List<Host> all, List<List<Host>> levels, boolean pendingDropped) {
    }

    /**
     * @param applyConfigHealth a membership update carries the endpoints' configured health and
     *                          weight (EDS is authoritative); a health notification does not
     */
    static Result merge(List<Host> previous, List<ResolvedEndpoint> eps, boolean applyConfigHealth,
                        boolean healthChecked, ClusterConfig c) {
        ClusterConfig.DiscoveryType type = c.type();
        boolean strictDns = type == ClusterConfig.DiscoveryType.STRICT_DNS;
        // The hosts there were, by key; a STRICT_DNS key may have several (one name listed twice).
        Map<Object, ArrayDeque<Host>> existing = new HashMap<>();
        for (Host h : previous) {
            existing.computeIfAbsent(key(type, h.configuredAddress(), h.address()), k -> new ArrayDeque<>()).add(h);
        }
        List<Host> all = new ArrayList<>(eps.size());
        List<List<Host>> levels = new ArrayList<>();
        Set<Object> seen = new HashSet<>();
        for (ResolvedEndpoint ep : eps) {
            Object key = key(type, ep.configured(), ep.address());
            if (!seen.add(key) && !strictDns) {
                continue; // the same address listed twice: one host
            }
            // STRICT_DNS keeps every name's hosts, so an address two names resolve to is two hosts,
            // as Envoy's DNS cluster joins its resolve targets' host lists (updateAllHosts).
            ArrayDeque<Host> same = existing.get(key);
            Host h = same == null ? null : same.poll();
            if (h == null || !h.socketMatchMetadata().equals(ep.socketMatchMetadata())) {
                // new metadata (e.g. tlsMode) may pick another transport socket: a new host, new pools
                h = new Host(ep.configured(), ep.address(), ep.hostname(), ep.locality(), ep.weight(), ep.health(),
                        ep.socketMatchMetadata());
                if (healthChecked && (ep.healthCheck() == null || !ep.healthCheck().disabled())) {
                    // As Envoy: a new host of a health-checked cluster takes traffic once a check passes,
                    // and is marked pending its first check only when that excludes it (warmHosts).
                    h.healthFlagSet(HealthFlag.FAILED_ACTIVE_HC);
                    if (c.options().ignoreNewHostsUntilFirstHc()) {
                        h.healthFlagSet(HealthFlag.PENDING_ACTIVE_HC);
                    }
                }
            } else {
                if (!h.address().equals(ep.address())) {
                    h.address(ep.address()); // a LOGICAL_DNS host's new answer
                }
                if (applyConfigHealth) {
                    h.weight(ep.weight());
                    h.health(ep.health());
                    h.locality(ep.locality());
                }
            }
            if (h.healthFlagGet(HealthFlag.PENDING_DYNAMIC_REMOVAL)) {
                h.healthFlagClear(HealthFlag.PENDING_DYNAMIC_REMOVAL); // service discovery has it again
            }
            h.priority(ep.priority());
            h.lbMetadata(ep.lbMetadata());
            h.filterMetadata(ep.filterMetadata());
            h.proxyProtocolTlvs(ep.proxyProtocolTlvs());
            h.http11ProxyAddress(ep.http11ProxyAddress());
            h.healthCheck(ep.healthCheck());
            h.addresses(ep.addresses());
            all.add(h);
            while (levels.size() <= ep.priority()) {
                levels.add(new ArrayList<>());
            }
            levels.get(ep.priority()).add(h);
        }
        boolean pendingDropped = keepHealthyRemovedHosts(previous, seen, all, levels, healthChecked, c);
        return new Result(all, levels, pendingDropped);
    }

    /**
     * What identifies a host across updates: its address; a STRICT_DNS host's also its name; a
     * LOGICAL_DNS host's its name only (Envoy's one logical host, whatever the name resolves to).
     */
    private static Object key(ClusterConfig.DiscoveryType type, Address configured, SocketAddress address) {
        return switch (type) {
            case STRICT_DNS -> List.of(configured, address);
            case LOGICAL_DNS -> configured;
            default -> address;
        };
    }

    /**
     * Envoy's rule for hosts service discovery no longer lists, in an actively health-checked EDS
     * or DNS cluster: one still passing its checks (and not unhealthy by EDS) stays, flagged
     * PENDING_DYNAMIC_REMOVAL, until a check fails; {@code ignore_health_on_host_removal} drops it
     * at once, as a cluster without health checks does. True when a host kept so far has now left.
     */
    private static boolean keepHealthyRemovedHosts(List<Host> previous, Set<Object> listed, List<Host> all,
                                                   List<List<Host>> levels, boolean healthChecked, ClusterConfig c) {
        boolean keep = healthChecked && !c.ignoreHealthOnHostRemoval()
                && c.type() != ClusterConfig.DiscoveryType.STATIC && c.type() != ClusterConfig.DiscoveryType.ORIGINAL_DST;
        boolean dropped = false;
        for (Host h : previous) {
            Object key = key(c.type(), h.configuredAddress(), h.address());
            if (listed.contains(key)) {
                continue;
            }
            if (!keep || h.healthFlagGet(HealthFlag.FAILED_ACTIVE_HC) || h.healthFlagGet(HealthFlag.FAILED_EDS_HEALTH)) {
                dropped |= h.healthFlagGet(HealthFlag.PENDING_DYNAMIC_REMOVAL);
                continue;
            }
            h.healthFlagSet(HealthFlag.PENDING_DYNAMIC_REMOVAL);
            listed.add(key);
            all.add(h);
            while (levels.size() <= h.priority()) {
                levels.add(new ArrayList<>());
            }
            levels.get(h.priority()).add(h);
        }
        return dropped;
    }

    /**
     * The levels without the hosts still waiting for their first health check: Envoy's excluded
     * hosts under ignore_new_hosts_until_first_hc, which count neither as hosts nor as healthy.
     */
    static List<List<Host>> withoutPendingFirstCheck(List<List<Host>> levels) {
        List<List<Host>> out = new ArrayList<>(levels.size());
        for (List<Host> level : levels) {
            List<Host> kept = new ArrayList<>(level.size());
            for (Host h : level) {
                if (!h.healthFlagGet(HealthFlag.PENDING_ACTIVE_HC)) {
                    kept.add(h);
                }
            }
            out.add(kept);
        }
        return out;
    }

    /** Whether a host was added or removed (hosts kept are the same objects). */
    static boolean changed(List<Host> previous, List<Host> now) {
        if (previous.size() != now.size()) {
            return true;
        }
        Set<Host> before = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        before.addAll(previous);
        for (Host h : now) {
            if (!before.contains(h)) {
                return true;
            }
        }
        return false;
    }

    /**
     * close_connections_on_host_set_change: every worker's pools of every host, before and after,
     * drain (requests in flight finish; new ones get new connections).
     */
    static void drainPools(List<Host> previous, List<Host> now) {
        for (Host h : previous) {
            h.healthFailure.drainPools();
        }
        for (Host h : now) {
            h.healthFailure.drainPools();
        }
    }

    /** Each priority's locality weights, for locality-weighted balancing. */
    static Map<Integer, Map<ClusterLoadAssignment.Locality, Integer>> localityWeights(ClusterLoadAssignment cla) {
        if (cla == null) {
            return Map.of();
        }
        Map<Integer, Map<ClusterLoadAssignment.Locality, Integer>> out = new HashMap<>();
        for (LocalityLbEndpoints lle : cla.endpoints()) {
            out.computeIfAbsent(lle.priority(), p -> new HashMap<>())
                    .merge(lle.locality(), lle.loadBalancingWeight(), Integer::sum);
        }
        return out;
    }

    static List<ResolvedEndpoint> staticEndpoints(ClusterLoadAssignment cla) {
        List<ResolvedEndpoint> out = new ArrayList<>();
        for (LocalityLbEndpoints lle : cla.endpoints()) {
            for (LbEndpoint ep : lle.lbEndpoints()) {
                out.add(new ResolvedEndpoint(ep.address(), socketAddress(ep.address()), ep.hostname(),
                        lle.locality(), Math.max(1, ep.loadBalancingWeight()), ep.healthStatus(), lle.priority(),
                        ep.socketMatchMetadata(), ep.lbMetadata(), ep.filterMetadata(), ep.proxyProtocolTlvs(),
                        ep.http11ProxyAddress(), ep.healthCheck(), addressList(ep)));
            }
        }
        return out;
    }

    /** The endpoint's address then its additional_addresses (Envoy's address list); empty without any. */
    private static List<SocketAddress> addressList(LbEndpoint ep) {
        if (ep.additionalAddresses().isEmpty()) {
            return List.of();
        }
        List<SocketAddress> list = new ArrayList<>(1 + ep.additionalAddresses().size());
        list.add(socketAddress(ep.address()));
        for (Address a : ep.additionalAddresses()) {
            list.add(socketAddress(a));
        }
        return list;
    }

    static SocketAddress socketAddress(Address a) {
        if (a instanceof Address.Pipe pipe) {
            return new DomainSocketAddress(pipe.path());
        }
        if (a instanceof Address.Internal internal) {
            return io.remora.internal.InternalListeners.socketAddress(internal.serverListenerName());
        }
        Address.Tcp tcp = (Address.Tcp) a;
        return new InetSocketAddress(tcp.host(), tcp.port());
    }
}

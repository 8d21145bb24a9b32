package io.remora.server;

import io.remora.config.FilterChainConfig;
import io.remora.config.ListenerConfig;
import io.remora.config.NetworkFilterConfig;
import io.remora.listener.FilterChainRuntime;
import io.remora.listener.ListenerRuntime;
import io.remora.network.ConnectionFilterFactory;
import io.remora.network.NetworkFilter;
import io.remora.network.NetworkFilterFactory;
import io.remora.stats.StatsRegistry;
import io.remora.tls.DownstreamTransportSocket;
import io.remora.tls.SecretManager;
import io.remora.tls.TlsProvider;
import io.remora.tls.TlsStats;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a listener's runtime from its config: one {@link FilterChainRuntime} per distinct filter
 * chain (network filters, terminal filter, TLS), reusing the previous runtime's chains whose
 * config did not change so their connections are not drained, when the update changed only the
 * filter chains ({@link #filterChainOnlyChange}).
 */
final class ListenerRuntimeFactory {

    private final List<NetworkFilterFactory<?>> filterFactories;
    private final List<ConnectionFilterFactory.Provider<?>> connectionFilterProviders;
    private final ServerContextImpl context;
    private final SecretManager secrets;
    private final StatsRegistry stats;

    /**
     * @param filterFactories           one per terminal network filter kind (tcp_proxy, HCM)
     * @param connectionFilterProviders one per non-terminal network filter kind
     */
    ListenerRuntimeFactory(List<NetworkFilterFactory<?>> filterFactories,
                           List<ConnectionFilterFactory.Provider<?>> connectionFilterProviders,
                           ServerContextImpl context, SecretManager secrets, StatsRegistry stats) {
        this.filterFactories = List.copyOf(filterFactories);
        this.connectionFilterProviders = List.copyOf(connectionFilterProviders);
        this.context = context;
        this.secrets = secrets;
        this.stats = stats;
    }

    /** A listener's runtime and its filters' init targets ({@link ListenerInit#seal sealed}). */
    record Built(ListenerRuntime runtime, ListenerInit init, java.util.concurrent.CompletableFuture<Void> initialized) {
    }

    /** Builds the runtime; the init targets its filters register meanwhile are the listener's. */
    Built build(ListenerConfig lc, ListenerRuntime previous) {
        ListenerInit init = new ListenerInit(lc.name());
        context.building(init);
        ListenerRuntime rt;
        try {
            rt = runtime(lc, previous);
        } finally {
            context.building(null);
        }
        return new Built(rt, init, init.seal());
    }

    /**
     * Envoy's ListenerImpl::supportUpdateFilterChain: a listener whose update changes only its filter chains (its
     * {@code filter_chains}, {@code default_filter_chain} and {@code filter_chain_matcher}, as
     * ListenerMessageUtil::filterChainOnlyChange ignores them) keeps its unchanged chains and their connections;
     * any other change replaces the whole listener, and every connection of the old one drains. A new config
     * without filter chains is never updated in place.
     */
    static boolean filterChainOnlyChange(ListenerConfig a, ListenerConfig b) {
        if (b.filterChains().isEmpty()) {
            return false;
        }
        return b.equals(new ListenerConfig(a.name(), a.address(), a.statPrefix(), a.direction(), a.listenerFilters(),
                b.filterChains(), b.defaultFilterChain(), a.useOriginalDst(), a.transparent(), a.bindToPort(),
                a.listenerFiltersTimeout(), a.perConnectionBufferLimitBytes(), b.filterChainMatcher(), a.originalSrc(),
                a.freebind(), a.proxyProtocol(), a.continueOnListenerFiltersTimeout(), a.ignoreGlobalConnLimit(),
                a.bypassOverloadManager(), a.filtersDisabled(), a.accessLogs(), a.additionalAddresses(),
                a.socketOptions(), a.addressSocketOptions(), a.udp(), a.localRateLimit(), a.socket(), a.drainType(),
                a.metadata(), a.ja3Fingerprinting()));
    }

    private ListenerRuntime runtime(ListenerConfig lc, ListenerRuntime previous) {
        Map<FilterChainConfig, FilterChainRuntime> prevByConfig = new HashMap<>();
        // A chain keeps the context it was built with: a new drain_type or direction builds the chains anew.
        ServerContext filterContext = new ListenerDrainContext(context,
                lc.drainType() == ListenerConfig.DrainType.DEFAULT,
                lc.direction() == ListenerConfig.TrafficDirection.INBOUND);
        if (previous != null && filterChainOnlyChange(previous.config(), lc)) {
            for (FilterChainRuntime fc : previous.chains()) {
                prevByConfig.putIfAbsent(fc.config(), fc);
            }
        }
        Map<FilterChainConfig, FilterChainRuntime> chains = new IdentityHashMap<>();
        List<FilterChainConfig> all = new ArrayList<>(lc.filterChains());
        if (lc.defaultFilterChain() != null) {
            all.add(lc.defaultFilterChain());
        }
        // Equal chains of one listener share a runtime. With one chain there is nothing to share,
        // and not hashing the config keeps its records' first hashCode (the ObjectMethods bootstrap
        // of every record class in the chain) out of start-up.
        Map<FilterChainConfig, FilterChainRuntime> built = all.size() > 1 ? new HashMap<>() : null;
        for (FilterChainConfig fc : all) {
            FilterChainRuntime rt = prevByConfig.isEmpty() ? null : prevByConfig.get(fc);
            if (rt == null && built != null) {
                rt = built.get(fc);
            }
            if (rt == null) {
                rt = new FilterChainRuntime(fc, buildConnectionFilters(lc, fc, filterContext),
                        buildFilter(lc, fc, filterContext), filterContext,
                        fc.transportSocket() == null ? null
                        : new DownstreamTransportSocket(fc.transportSocket(), secrets,
                        TlsProvider.current(),
                        TlsStats.listener(stats.meterRegistry(), ListenerRuntime.statLabel(lc))));
                if (built != null) {
                    built.put(fc, rt);
                }
            }
            chains.put(fc, rt);
        }
        String label = ListenerRuntime.statLabel(lc);
        if (lc.listenerFilters().contains(ListenerConfig.ListenerFilter.TLS_INSPECTOR)) {
            stats.listener(label).tlsInspector(); // Envoy makes them with the filter's config
        }
        return new ListenerRuntime(lc, label, stats.listener(label), chains,
                lc.accessLogs().isEmpty() ? List.of() : context.accessLogs(lc.accessLogs()),
                lc.localRateLimit() == null ? null
                        : new io.remora.listener.ListenerRateLimit(lc.localRateLimit(), stats.meterRegistry(),
                        context.runtime()));
    }

    /** The handlers of a UDP listener's sockets, one each, over what its listener filter shares. */
    java.util.function.Supplier<io.netty.channel.ChannelHandler> udpHandlers(ListenerConfig lc) {
        String label = ListenerRuntime.statLabel(lc);
        if (lc.udp().filter() instanceof io.remora.config.DnsFilterConfig) {
            return new io.remora.udp.dns.DnsFilter(lc.udp(), label, context)::newHandler;
        }
        return new io.remora.udp.UdpProxy(lc.udp(), label, context)::newFilter;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private NetworkFilter buildFilter(ListenerConfig lc, FilterChainConfig fc, ServerContext filterContext) {
        if (fc.filters() == null || fc.filters().isEmpty()) {
            return io.remora.network.EmptyFilterChain.INSTANCE;
        }
        NetworkFilterConfig terminal = fc.terminalFilter();
        NetworkFilterFactory factory = null;
        for (NetworkFilterFactory<?> f : filterFactories) {
            if (f.configType() == terminal.getClass()) {
                factory = f;
                break;
            }
            if (factory == null && f.configType().isInstance(terminal)) {
                factory = f;
            }
        }
        if (factory == null) {
            throw new IllegalArgumentException("listener '" + lc.name() + "' filter chain '" + fc.name()
                    + "': no network filter factory for " + terminal.filterName());
        }
        return factory.create(terminal, filterContext);
    }

    private ConnectionFilterFactory[] buildConnectionFilters(ListenerConfig lc, FilterChainConfig fc,
                                                             ServerContext filterContext) {
        List<NetworkFilterConfig> filters = fc.filters();
        ConnectionFilterFactory[] out = new ConnectionFilterFactory[Math.max(0, filters.size() - 1)];
        for (int i = 0; i < out.length; i++) {
            NetworkFilterConfig c = filters.get(i);
            out[i] = connectionFilter(c, filterContext);
            if (out[i] == null) {
                throw new IllegalArgumentException("listener '" + lc.name() + "' filter chain '" + fc.name()
                        + "': network filter " + c.filterName() + " has no runtime implementation in this build");
            }
        }
        return out;
    }

    /** The factory of a non-terminal (or upstream) network filter's config, or null when no provider takes it. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    ConnectionFilterFactory connectionFilter(NetworkFilterConfig c) {
        return connectionFilter(c, context);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private ConnectionFilterFactory connectionFilter(NetworkFilterConfig c, ServerContext filterContext) {
        if (c instanceof io.remora.config.DiscoveredNetworkFilterConfig d) {
            return new io.remora.network.DiscoveredConnectionFilterFactory(d, x -> connectionFilter(x, filterContext));
        }
        for (ConnectionFilterFactory.Provider p : connectionFilterProviders) {
            if (p.configType().isInstance(c)) {
                return p.create(c, filterContext);
            }
        }
        return null;
    }
}

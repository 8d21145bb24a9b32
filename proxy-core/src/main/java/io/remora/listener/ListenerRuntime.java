package io.remora.listener;

import io.remora.config.FilterChainConfig;
import io.remora.config.ListenerConfig;
import io.remora.matching.UnifiedMatcherEvaluator;
import io.remora.stats.ListenerStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * One listener config made runnable: its filter chains built and its selector compiled.
 * Immutable; a listener update publishes a new one, and a connection keeps the one it was
 * accepted with.
 */
public final class ListenerRuntime {
    /** Envoy's default listener_filters_timeout. */
    public static final Duration DEFAULT_LISTENER_FILTERS_TIMEOUT = Duration.ofSeconds(15);

    private final ListenerConfig config;
    private final String statLabel;
    private final ListenerStats stats;
    private final FilterChainSelector selector;
    /** Set when the listener has a filter_chain_matcher; then it alone picks the chain. */
    private final UnifiedMatcherEvaluator<String> matcher;
    private final Map<String, FilterChainConfig> chainsByName;
    private final Map<FilterChainConfig, FilterChainRuntime> chains;

    /**
     * @param chains the built chains for every filter chain of config (and its default chain),
     *               keyed by the config object
     */
    public ListenerRuntime(ListenerConfig config, String statLabel, ListenerStats stats,
                           Map<FilterChainConfig, FilterChainRuntime> chains) {
        this.config = config;
        this.statLabel = statLabel;
        this.stats = stats;
        this.selector = new FilterChainSelector(config.filterChains(), config.defaultFilterChain());
        this.matcher = config.filterChainMatcher() == null ? null
                : new UnifiedMatcherEvaluator<>(config.filterChainMatcher());
        this.chainsByName = new HashMap<>();
        for (FilterChainConfig fc : config.filterChains()) {
            chainsByName.putIfAbsent(fc.name(), fc);
        }
        this.chains = new IdentityHashMap<>(chains);
    }

    public ListenerConfig config() {
        return config;
    }

    public String name() {
        return config.name();
    }

    public String statLabel() {
        return statLabel;
    }

    public ListenerStats stats() {
        return stats;
    }

    /** The built chain for the connection, or null when no chain matches and there is no default. */
    public FilterChainRuntime select(FilterChainSelector.Input in) {
        FilterChainConfig fc;
        if (matcher != null) {
            String name = matcher.match(in);
            fc = name == null ? config.defaultFilterChain() : chainsByName.get(name);
        } else {
            fc = selector.select(in);
        }
        return fc == null ? null : chains.get(fc);
    }

    public List<FilterChainRuntime> chains() {
        return new ArrayList<>(chains.values());
    }

    public boolean inspectsTls() {
        return config.listenerFilters().contains(ListenerConfig.ListenerFilter.TLS_INSPECTOR);
    }

    /** The proxy_protocol listener filter's config, or null. */
    public io.remora.config.ProxyProtocolConfig proxyProtocol() {
        return config.proxyProtocol();
    }

    public boolean inspectsHttp() {
        return config.listenerFilters().contains(ListenerConfig.ListenerFilter.HTTP_INSPECTOR);
    }

    public boolean isInternal() {
        return config.address() instanceof io.remora.config.Address.Internal;
    }

    public boolean recoversOriginalDst() {
        return config.useOriginalDst()
                || config.listenerFilters().contains(ListenerConfig.ListenerFilter.ORIGINAL_DST);
    }

    public Duration listenerFiltersTimeout() {
        Duration d = config.listenerFiltersTimeout();
        return d == null ? DEFAULT_LISTENER_FILTERS_TIMEOUT : d;
    }

    /** Envoy's listener stat label: stat_prefix, else the address as {@code 0.0.0.0_15001}. */
    public static String statLabel(ListenerConfig c) {
        if (c.statPrefix() != null && !c.statPrefix().isEmpty()) {
            return c.statPrefix();
        }
        if (c.address() instanceof io.remora.config.Address.Tcp tcp) {
            return tcp.host() + "_" + tcp.port();
        }
        if (c.address() instanceof io.remora.config.Address.Internal) {
            return c.name();
        }
        return c.address().toString();
    }
}

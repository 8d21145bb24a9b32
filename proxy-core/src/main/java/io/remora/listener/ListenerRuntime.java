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
    private final io.remora.accesslog.AccessLog[] accessLogs;
    /** The local_ratelimit listener filter; null without one. */
    private final ListenerRateLimit rateLimit;
    /** The proxy_protocol filter's stats, made with the listener so they read 0 before a connection; null without it. */
    private final io.remora.stats.ProxyProtocolStats proxyProtocolStats;

    public ListenerRuntime(ListenerConfig config, String statLabel, ListenerStats stats,
                           Map<FilterChainConfig, FilterChainRuntime> chains) {
        this(config, statLabel, stats, chains, java.util.List.of(), null);
    }

    /**
     * @param chains     the built chains for every filter chain of config (and its default chain),
     *                   keyed by the config object
     * @param accessLogs the listener's access logs, built from {@code config.accessLogs()}
     * @param rateLimit  built from {@code config.localRateLimit()}, or null
     */
    public ListenerRuntime(ListenerConfig config, String statLabel, ListenerStats stats,
                           Map<FilterChainConfig, FilterChainRuntime> chains,
                           List<io.remora.accesslog.AccessLog> accessLogs, ListenerRateLimit rateLimit) {
        this.rateLimit = rateLimit;
        this.proxyProtocolStats = config.proxyProtocol() == null || stats == null ? null
                : stats.proxyProtocol(config.proxyProtocol().statPrefix());
        this.accessLogs = accessLogs.toArray(new io.remora.accesslog.AccessLog[0]);
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

    /** The listener's access_log (empty: none). */
    io.remora.accesslog.AccessLog[] accessLogs() {
        return accessLogs;
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

    /**
     * Whether listener filter {@code f} is configured and its {@code filter_disabled} does not
     * match a connection to {@code destinationPort} (-1 when the local address has none).
     */
    public boolean runs(ListenerConfig.ListenerFilter f, int destinationPort) {
        return config.listenerFilters().contains(f) && !config.filterDisabled(f, destinationPort);
    }

    /**
     * The local_ratelimit listener filter's verdict on a new connection to {@code destinationPort}:
     * true without the filter, or where its filter_disabled matches.
     */
    boolean admitsByRate(int destinationPort) {
        return rateLimit == null || !runs(ListenerConfig.ListenerFilter.LOCAL_RATELIMIT, destinationPort)
                || rateLimit.admit();
    }

    /** Whether the proxy_protocol filter reads a header on a connection to {@code destinationPort}. */
    public boolean readsProxyHeader(int destinationPort) {
        return config.proxyProtocol() != null
                && !config.filterDisabled(ListenerConfig.ListenerFilter.PROXY_PROTOCOL, destinationPort);
    }

    /** The proxy_protocol listener filter's stats, or null without the filter. */
    io.remora.stats.ProxyProtocolStats proxyProtocolStats() {
        return proxyProtocolStats;
    }

    /** The proxy_protocol listener filter's config, or null. */
    public io.remora.config.ProxyProtocolConfig proxyProtocol() {
        return config.proxyProtocol();
    }

    public boolean isInternal() {
        return config.address() instanceof io.remora.config.Address.Internal;
    }

    /** use_original_dst (which brings its own filter), or an original_dst filter not disabled for {@code localPort}. */
    public boolean recoversOriginalDst(int localPort) {
        return config.useOriginalDst() || runs(ListenerConfig.ListenerFilter.ORIGINAL_DST, localPort);
    }

    /** The port of a socket address, -1 when it has none (a pipe, an internal address). */
    static int port(java.net.SocketAddress a) {
        return a instanceof java.net.InetSocketAddress i ? i.getPort() : -1;
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

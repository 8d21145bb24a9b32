package io.remora.config;

import java.time.Duration;
import java.util.List;

/**
 * {@code config.listener.v3.Listener}.
 *
 * @param defaultFilterChain used when no filter chain matches; null closes such connections
 * @param useOriginalDst     {@code use_original_dst} or an {@code original_dst} listener filter:
 *                           recover the pre-REDIRECT/TPROXY destination and hand the connection
 *                           to the listener bound there, if any
 * @param bindToPort         false for Istio's virtual inbound/outbound per-port listeners, which
 *                           only receive connections handed over by original-dst
 * @param perConnectionBufferLimitBytes soft limit for read/write buffering (default 1 MiB)
 * @param filterChainMatcher {@code filter_chain_matcher}: when set it alone picks the chain (by
 *                           name) and the chains' own matches are ignored, as in Envoy; null when unset
 * @param originalSrc        the {@code original_src} listener filter, or null
 * @param freebind           {@code freebind}: IP_FREEBIND on the listening sockets
 * @param proxyProtocol      the {@code proxy_protocol} listener filter, or null
 * @param continueOnListenerFiltersTimeout {@code continue_on_listener_filters_timeout}: at
 *                           listener_filters_timeout the connection goes on with what the
 *                           listener filters found so far, rather than being closed
 */
public record ListenerConfig(
        String name,
        Address address,
        String statPrefix,
        TrafficDirection direction,
        List<ListenerFilter> listenerFilters,
        List<FilterChainConfig> filterChains,
        FilterChainConfig defaultFilterChain,
        boolean useOriginalDst,
        boolean transparent,
        boolean bindToPort,
        Duration listenerFiltersTimeout,
        int perConnectionBufferLimitBytes,
        UnifiedMatcher<String> filterChainMatcher,
        OriginalSrc originalSrc,
        boolean freebind,
        ProxyProtocolConfig proxyProtocol,
        boolean continueOnListenerFiltersTimeout,
        boolean ignoreGlobalConnLimit,
        boolean bypassOverloadManager) {

    /** A listener without the proxy_protocol filter, closing connections at listener_filters_timeout. */
    public ListenerConfig(String name, Address address, String statPrefix, TrafficDirection direction,
                          List<ListenerFilter> listenerFilters, List<FilterChainConfig> filterChains,
                          FilterChainConfig defaultFilterChain, boolean useOriginalDst, boolean transparent,
                          boolean bindToPort, Duration listenerFiltersTimeout, int perConnectionBufferLimitBytes,
                          UnifiedMatcher<String> filterChainMatcher, OriginalSrc originalSrc, boolean freebind) {
        this(name, address, statPrefix, direction, listenerFilters, filterChains, defaultFilterChain, useOriginalDst,
                transparent, bindToPort, listenerFiltersTimeout, perConnectionBufferLimitBytes, filterChainMatcher,
                originalSrc, freebind, null, false, false, false);
    }

    /** A listener without filter_chain_matcher, original_src or freebind. */
    public ListenerConfig(String name, Address address, String statPrefix, TrafficDirection direction,
                          List<ListenerFilter> listenerFilters, List<FilterChainConfig> filterChains,
                          FilterChainConfig defaultFilterChain, boolean useOriginalDst, boolean transparent,
                          boolean bindToPort, Duration listenerFiltersTimeout, int perConnectionBufferLimitBytes) {
        this(name, address, statPrefix, direction, listenerFilters, filterChains, defaultFilterChain, useOriginalDst,
                transparent, bindToPort, listenerFiltersTimeout, perConnectionBufferLimitBytes, null, null, false, null,
                false, false, false);
    }

    /**
     * {@code envoy.filters.listener.original_src}: upstream connections of this listener's
     * connections take the downstream's address as their source (transparent sockets).
     *
     * @param bindPort also the downstream's port
     * @param mark     SO_MARK for those sockets, 0 for none (Istio: 1337, which its rules route back)
     */
    public record OriginalSrc(boolean bindPort, int mark) {
    }

    public enum TrafficDirection { UNSPECIFIED, INBOUND, OUTBOUND }

    /** Listener filters Remora runs on accepted connections before a filter chain is chosen. */
    /**
     * Listener filters, in config order. SET_INTERNAL_DST_ADDRESS is Istio's
     * {@code istio.set_internal_dst_address}: on an internal listener, the destination from the
     * passed-through {@code tunnel} metadata.
     */
    public enum ListenerFilter { ORIGINAL_DST, TLS_INSPECTOR, HTTP_INSPECTOR, SET_INTERNAL_DST_ADDRESS }
}

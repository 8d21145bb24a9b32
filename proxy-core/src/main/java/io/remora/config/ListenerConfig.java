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
        int perConnectionBufferLimitBytes) {

    public enum TrafficDirection { UNSPECIFIED, INBOUND, OUTBOUND }

    /** Listener filters Remora runs on accepted connections before a filter chain is chosen. */
    public enum ListenerFilter { ORIGINAL_DST, TLS_INSPECTOR, HTTP_INSPECTOR }
}

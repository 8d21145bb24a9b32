package io.remora.config;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

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
 * @param filtersDisabled    the listener filters' {@code filter_disabled} predicates, by filter
 * @param accessLogs         {@code access_log}: written for each connection when it ends, those that
 *                           found no filter chain (flag NR) or never got past the listener filters included
 * @param additionalAddresses {@code additional_addresses}: more sockets (same family of address as
 *                           {@code address}) feeding the same filter chains and stats
 * @param socketOptions      {@code socket_options}, set on every listening socket before it binds
 * @param addressSocketOptions an additional address's own {@code socket_options}, replacing the
 *                           listener's for that address (an empty list: none)
 * @param udp                {@code udp_listener_config} with its udp_proxy listener filter; null for a
 *                           TCP (or pipe, internal) listener, which then has filter chains
 * @param localRateLimit     the {@code envoy.filters.listener.local_ratelimit} listener filter, or null
 * @param socket             backlog, SO_REUSEPORT, connection balance, accepts per event, TCP fast open
 * @param drainType          {@code drain_type}: MODIFY_ONLY connections do not drain while the
 *                           server's health check is failed ({@code /healthcheck/fail})
 * @param metadata           {@code metadata.filter_metadata}, by namespace (empty when none): what
 *                           {@code %METADATA(LISTENER:...)%} logs; its connections carry a reference
 * @param ja3Fingerprinting  tls_inspector's {@code enable_ja3_fingerprinting}: its connections carry
 *                           their ClientHello's JA3 hash ({@code %TLS_JA3_FINGERPRINT%})
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
        boolean bypassOverloadManager,
        Map<ListenerFilter, ListenerFilterPredicate> filtersDisabled,
        List<AccessLogConfig> accessLogs,
        List<Address> additionalAddresses,
        List<SocketOption> socketOptions,
        Map<Address, List<SocketOption>> addressSocketOptions,
        UdpListener udp,
        LocalRateLimit localRateLimit,
        ListenerSocketConfig socket,
        DrainType drainType,
        Map<String, Map<String, Object>> metadata,
        boolean ja3Fingerprinting) {

    public ListenerConfig {
        metadata = metadata == null ? Map.of() : metadata;
        socket = socket == null ? ListenerSocketConfig.DEFAULT : socket;
        drainType = drainType == null ? DrainType.DEFAULT : drainType;
        socketOptions = socketOptions == null ? List.of() : List.copyOf(socketOptions);
        addressSocketOptions = addressSocketOptions == null ? Map.of() : Map.copyOf(addressSocketOptions);
        accessLogs = accessLogs == null ? List.of() : List.copyOf(accessLogs);
        additionalAddresses = additionalAddresses == null ? List.of() : List.copyOf(additionalAddresses);
        filtersDisabled = filtersDisabled == null || filtersDisabled.isEmpty() ? Map.of()
                : java.util.Collections.unmodifiableMap(new EnumMap<>(filtersDisabled));
    }

    /** A TCP listener. */
    public ListenerConfig(String name, Address address, String statPrefix, TrafficDirection direction,
                          List<ListenerFilter> listenerFilters, List<FilterChainConfig> filterChains,
                          FilterChainConfig defaultFilterChain, boolean useOriginalDst, boolean transparent,
                          boolean bindToPort, Duration listenerFiltersTimeout, int perConnectionBufferLimitBytes,
                          UnifiedMatcher<String> filterChainMatcher, OriginalSrc originalSrc, boolean freebind,
                          ProxyProtocolConfig proxyProtocol, boolean continueOnListenerFiltersTimeout,
                          boolean ignoreGlobalConnLimit, boolean bypassOverloadManager,
                          Map<ListenerFilter, ListenerFilterPredicate> filtersDisabled, List<AccessLogConfig> accessLogs,
                          List<Address> additionalAddresses, List<SocketOption> socketOptions,
                          Map<Address, List<SocketOption>> addressSocketOptions) {
        this(name, address, statPrefix, direction, listenerFilters, filterChains, defaultFilterChain, useOriginalDst,
                transparent, bindToPort, listenerFiltersTimeout, perConnectionBufferLimitBytes, filterChainMatcher,
                originalSrc, freebind, proxyProtocol, continueOnListenerFiltersTimeout, ignoreGlobalConnLimit,
                bypassOverloadManager, filtersDisabled, accessLogs, additionalAddresses, socketOptions,
                addressSocketOptions, null, null, null, null, null, false);
    }

    /** A listener without the proxy_protocol filter, closing connections at listener_filters_timeout. */
    public ListenerConfig(String name, Address address, String statPrefix, TrafficDirection direction,
                          List<ListenerFilter> listenerFilters, List<FilterChainConfig> filterChains,
                          FilterChainConfig defaultFilterChain, boolean useOriginalDst, boolean transparent,
                          boolean bindToPort, Duration listenerFiltersTimeout, int perConnectionBufferLimitBytes,
                          UnifiedMatcher<String> filterChainMatcher, OriginalSrc originalSrc, boolean freebind) {
        this(name, address, statPrefix, direction, listenerFilters, filterChains, defaultFilterChain, useOriginalDst,
                transparent, bindToPort, listenerFiltersTimeout, perConnectionBufferLimitBytes, filterChainMatcher,
                originalSrc, freebind, null, false, false, false, Map.of(), List.of(), List.of(), List.of(), Map.of());
    }

    /** A listener without filter_chain_matcher, original_src or freebind. */
    public ListenerConfig(String name, Address address, String statPrefix, TrafficDirection direction,
                          List<ListenerFilter> listenerFilters, List<FilterChainConfig> filterChains,
                          FilterChainConfig defaultFilterChain, boolean useOriginalDst, boolean transparent,
                          boolean bindToPort, Duration listenerFiltersTimeout, int perConnectionBufferLimitBytes) {
        this(name, address, statPrefix, direction, listenerFilters, filterChains, defaultFilterChain, useOriginalDst,
                transparent, bindToPort, listenerFiltersTimeout, perConnectionBufferLimitBytes, null, null, false, null,
                false, false, false, Map.of(), List.of(), List.of(), List.of(), Map.of());
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

    /**
     * {@code envoy.filters.listener.local_ratelimit}: a connection accepted when the bucket is
     * empty is closed before the other listener filters and the filter chain.
     *
     * @param runtimeKey {@code runtime_enabled.runtime_key}, or null (then enabled is the value)
     * @param enabled    {@code runtime_enabled.default_value}; true without runtime_enabled
     */
    public record LocalRateLimit(String statPrefix, io.remora.ratelimit.TokenBucketSpec tokenBucket,
                                 String runtimeKey, boolean enabled) {
    }

    /**
     * A UDP listener: datagrams of its sockets go to its listener filter (udp_proxy or the DNS filter).
     *
     * @param maxRxDatagramSize {@code downstream_socket_config.max_rx_datagram_size}: larger datagrams are
     *                          dropped (counted in {@code listener.<addr>.udp.downstream_rx_datagram_dropped})
     */
    public record UdpListener(int maxRxDatagramSize, UdpListenerFilterConfig filter) {
    }

    public enum TrafficDirection { UNSPECIFIED, INBOUND, OUTBOUND }

    /** {@code Listener.DrainType}. */
    public enum DrainType { DEFAULT, MODIFY_ONLY }

    /** Whether {@code filter} is disabled for a connection whose local address has {@code destinationPort}. */
    public boolean filterDisabled(ListenerFilter filter, int destinationPort) {
        ListenerFilterPredicate p = filtersDisabled.isEmpty() ? null : filtersDisabled.get(filter);
        return p != null && p.matches(destinationPort);
    }

    /**
     * Listener filters Remora runs on accepted connections before a filter chain is chosen.
     * SET_INTERNAL_DST_ADDRESS is Istio's {@code istio.set_internal_dst_address}: on an internal
     * listener, the destination from the passed-through {@code tunnel} metadata. PROXY_PROTOCOL's
     * settings are {@link #proxyProtocol}, LOCAL_RATELIMIT's {@link #localRateLimit}.
     */
    public enum ListenerFilter {
        ORIGINAL_DST, PROXY_PROTOCOL, TLS_INSPECTOR, HTTP_INSPECTOR, SET_INTERNAL_DST_ADDRESS, LOCAL_RATELIMIT
    }

    public static Builder builder(String name, Address address) {
        return new Builder(name, address);
    }

    /** Defaults as Envoy's: binds, 15 s listener_filters_timeout, 1 MiB buffers, no filters. */
    public static final class Builder {
        private final String name;
        private final Address address;
        private String statPrefix = "";
        private TrafficDirection direction = TrafficDirection.UNSPECIFIED;
        private List<ListenerFilter> listenerFilters = List.of();
        private List<FilterChainConfig> filterChains = List.of();
        private FilterChainConfig defaultFilterChain;
        private boolean useOriginalDst;
        private boolean transparent;
        private boolean bindToPort = true;
        private Duration listenerFiltersTimeout = Duration.ofSeconds(15);
        private int perConnectionBufferLimitBytes = io.remora.network.ConnectionInfo.DEFAULT_BUFFER_LIMIT;
        private UnifiedMatcher<String> filterChainMatcher;
        private OriginalSrc originalSrc;
        private boolean freebind;
        private ProxyProtocolConfig proxyProtocol;
        private boolean continueOnListenerFiltersTimeout;
        private boolean ignoreGlobalConnLimit;
        private boolean bypassOverloadManager;
        private Map<ListenerFilter, ListenerFilterPredicate> filtersDisabled = Map.of();
        private List<AccessLogConfig> accessLogs = List.of();
        private List<Address> additionalAddresses = List.of();
        private List<SocketOption> socketOptions = List.of();
        private Map<Address, List<SocketOption>> addressSocketOptions = Map.of();
        private UdpListener udp;
        private LocalRateLimit localRateLimit;
        private ListenerSocketConfig socket = ListenerSocketConfig.DEFAULT;
        private DrainType drainType = DrainType.DEFAULT;
        private Map<String, Map<String, Object>> metadata = Map.of();
        private boolean ja3Fingerprinting;

        private Builder(String name, Address address) {
            this.name = name;
            this.address = address;
        }

        public Builder statPrefix(String v) {
            statPrefix = v;
            return this;
        }

        public Builder direction(TrafficDirection v) {
            direction = v;
            return this;
        }

        public Builder listenerFilters(List<ListenerFilter> v) {
            listenerFilters = List.copyOf(v);
            return this;
        }

        public Builder filterChains(List<FilterChainConfig> v) {
            filterChains = List.copyOf(v);
            return this;
        }

        public Builder defaultFilterChain(FilterChainConfig v) {
            defaultFilterChain = v;
            return this;
        }

        public Builder useOriginalDst(boolean v) {
            useOriginalDst = v;
            return this;
        }

        public Builder transparent(boolean v) {
            transparent = v;
            return this;
        }

        public Builder bindToPort(boolean v) {
            bindToPort = v;
            return this;
        }

        public Builder listenerFiltersTimeout(Duration v) {
            listenerFiltersTimeout = v;
            return this;
        }

        public Builder perConnectionBufferLimitBytes(int v) {
            perConnectionBufferLimitBytes = v;
            return this;
        }

        public Builder filterChainMatcher(UnifiedMatcher<String> v) {
            filterChainMatcher = v;
            return this;
        }

        public Builder originalSrc(OriginalSrc v) {
            originalSrc = v;
            return this;
        }

        public Builder freebind(boolean v) {
            freebind = v;
            return this;
        }

        public Builder proxyProtocol(ProxyProtocolConfig v) {
            proxyProtocol = v;
            return this;
        }

        public Builder continueOnListenerFiltersTimeout(boolean v) {
            continueOnListenerFiltersTimeout = v;
            return this;
        }

        public Builder ignoreGlobalConnLimit(boolean v) {
            ignoreGlobalConnLimit = v;
            return this;
        }

        public Builder bypassOverloadManager(boolean v) {
            bypassOverloadManager = v;
            return this;
        }

        public Builder filtersDisabled(Map<ListenerFilter, ListenerFilterPredicate> v) {
            filtersDisabled = v;
            return this;
        }

        public Builder accessLogs(List<AccessLogConfig> v) {
            accessLogs = v;
            return this;
        }

        public Builder additionalAddresses(List<Address> v) {
            additionalAddresses = v;
            return this;
        }

        public Builder socketOptions(List<SocketOption> v) {
            socketOptions = v;
            return this;
        }

        public Builder addressSocketOptions(Map<Address, List<SocketOption>> v) {
            addressSocketOptions = v;
            return this;
        }

        public Builder udp(UdpListener v) {
            udp = v;
            return this;
        }

        public Builder localRateLimit(LocalRateLimit v) {
            localRateLimit = v;
            return this;
        }

        public Builder socket(ListenerSocketConfig v) {
            socket = v;
            return this;
        }

        public Builder drainType(DrainType v) {
            drainType = v;
            return this;
        }

        public Builder metadata(Map<String, Map<String, Object>> v) {
            metadata = v;
            return this;
        }

        public Builder ja3Fingerprinting(boolean v) {
            ja3Fingerprinting = v;
            return this;
        }

        public ListenerConfig build() {
            return new ListenerConfig(name, address, statPrefix, direction, listenerFilters, filterChains,
                    defaultFilterChain, useOriginalDst, transparent, bindToPort, listenerFiltersTimeout,
                    perConnectionBufferLimitBytes, filterChainMatcher, originalSrc, freebind, proxyProtocol,
                    continueOnListenerFiltersTimeout, ignoreGlobalConnLimit, bypassOverloadManager, filtersDisabled,
                    accessLogs, additionalAddresses, socketOptions, addressSocketOptions, udp, localRateLimit, socket,
                    drainType, metadata, ja3Fingerprinting);
        }
    }
}

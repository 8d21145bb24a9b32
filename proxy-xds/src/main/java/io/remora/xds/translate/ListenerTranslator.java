package io.remora.xds.translate;

import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.listener.original_src.v3.OriginalSrc;
import io.remora.config.Address;
import io.remora.config.FilterChainConfig;
import io.remora.config.FilterChainMatch;
import io.remora.config.UnifiedMatcher;
import io.remora.config.ListenerConfig;
import io.remora.config.ListenerFilterPredicate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code config.listener.v3.Listener}. */
public final class ListenerTranslator {

    private static final String FILTERS = "envoy.extensions.filters.listener.";
    private static final String ORIGINAL_SRC = "envoy.extensions.filters.listener.original_src.v3.OriginalSrc";

    private ListenerTranslator() {
    }

    @SuppressWarnings("deprecation")
    public static ListenerConfig translate(Listener l, FieldPath path, TranslationContext ctx) {
        ListenerConfig.TrafficDirection dir = direction(l);
        ctx = ctx.withTrafficDirection(dir).withBypassOverloadManager(l.getBypassOverloadManager());
        if (l.hasApiListener()) {
            throw path.field("api_listener").error("API listeners are not supported");
        }
        if (l.hasAddress() && AddressTranslator.isUdp(l.getAddress()) && !l.hasInternalListener()) {
            return UdpListenerTranslator.translate(l, path, ctx);
        }
        if (l.hasUdpListenerConfig()) {
            throw path.field("udp_listener_config").error("only a listener with a UDP address"
                    + " (address.socket_address.protocol: UDP) takes udp_listener_config");
        }
        Address address;
        String name;
        if (l.hasInternalListener()) {
            // Reached by name from envoy_internal_address endpoints; it has no socket address.
            if (l.getName().isEmpty()) {
                throw path.field("name").error("an internal listener needs a name (envoy_internal_address names it)");
            }
            if (l.hasAddress() || l.getAdditionalAddressesCount() > 0) {
                // Envoy: "address should not be used when an internal listener config is provided"
                throw path.field(l.hasAddress() ? "address" : "additional_addresses")
                        .error("an internal listener has no address (its name is its address)");
            }
            name = l.getName();
            address = new Address.Internal(name, "");
        } else {
            if (!l.hasAddress()) {
                throw path.field("address").error("missing required field");
            }
            address = AddressTranslator.translate(l.getAddress(), path.field("address"));
            if (address instanceof Address.Internal) {
                throw path.field("address").field("envoy_internal_address")
                        .error("use internal_listener instead of an address for internal listeners");
            }
            name = l.getName().isEmpty() ? defaultName(address) : l.getName();
        }
        List<io.remora.config.SocketOption> socketOptions = socketOptions(l.getSocketOptionsList(),
                path.field("socket_options"));
        Map<Address, List<io.remora.config.SocketOption>> addressOptions = new java.util.HashMap<>();
        List<Address> additional = additionalAddresses(l, address, addressOptions, path.field("additional_addresses"));
        var accessLogs = AccessLogTranslator.translate(l.getAccessLogList(), path.field("access_log"), ctx);
        boolean useOriginalDst = Protos.bool(l.hasUseOriginalDst(), l.getUseOriginalDst(), false);
        List<ListenerConfig.ListenerFilter> lfs = new ArrayList<>();
        ListenerConfig.OriginalSrc originalSrc = null;
        io.remora.config.ProxyProtocolConfig proxyProtocol = null;
        ListenerConfig.LocalRateLimit localRateLimit = null;
        boolean ja3 = false;
        Map<ListenerConfig.ListenerFilter, ListenerFilterPredicate> disabled =
                new EnumMap<>(ListenerConfig.ListenerFilter.class);
        for (int i = 0; i < l.getListenerFiltersCount(); i++) {
            FieldPath fp = path.field("listener_filters").index(i);
            ListenerFilter f = l.getListenerFilters(i);
            ListenerConfig.OriginalSrc os = originalSrc(f, fp);
            if (os != null) {
                if (f.hasFilterDisabled()) {
                    ctx.warnOnce("original_src.filter_disabled", "original_src's filter_disabled is not supported"
                            + " (it applies to every connection), first at " + fp.field("filter_disabled"));
                }
                originalSrc = os;
                continue;
            }
            io.remora.config.ProxyProtocolConfig pp = ProxyProtocolTranslator.translate(f, fp, ctx);
            // The original_dst filter only recovers the destination (virtualInbound matches chains
            // on it); handing the connection to the listener of that address is use_original_dst's.
            ListenerConfig.ListenerFilter lf = pp != null ? ListenerConfig.ListenerFilter.PROXY_PROTOCOL
                    : listenerFilter(f, fp, ctx);
            if (pp != null) {
                proxyProtocol = pp;
            }
            if (lf == ListenerConfig.ListenerFilter.LOCAL_RATELIMIT) {
                localRateLimit = ListenerRateLimitTranslator.translate(f, fp);
            }
            if (lf == ListenerConfig.ListenerFilter.TLS_INSPECTOR) {
                ja3 |= ja3Fingerprinting(f, fp); // a repeated inspector runs once here, so any copy's asks
            }
            if (lf == null) {
                continue;
            }
            ListenerFilterPredicate off = f.hasFilterDisabled()
                    ? ListenerFilterPredicateTranslator.translate(f.getFilterDisabled(), fp.field("filter_disabled"))
                    : null;
            if (!lfs.contains(lf)) {
                lfs.add(lf);
                if (off != null) {
                    disabled.put(lf, off);
                }
            } else if (disabled.containsKey(lf)) {
                // A repeated filter runs once here: it is off only where every copy of it is.
                if (off == null) {
                    disabled.remove(lf);
                } else {
                    disabled.put(lf, new ListenerFilterPredicate.And(List.of(disabled.get(lf), off)));
                }
            }
        }
        List<FilterChainConfig> chains = new ArrayList<>();
        UnifiedMatcher<String> matcher = null;
        if (l.hasFilterChainMatcher()) {
            // The matcher alone picks the chain, by name; the chains' own matches are ignored.
            FieldPath mp = path.field("filter_chain_matcher");
            Set<String> actions = new LinkedHashSet<>();
            matcher = UnifiedMatcherTranslator.filterChains(l.getFilterChainMatcher(), mp, actions);
            Map<String, Integer> byName = new HashMap<>();
            for (int i = 0; i < l.getFilterChainsCount(); i++) {
                FieldPath fp = path.field("filter_chains").index(i);
                String chainName = l.getFilterChains(i).getName();
                if (chainName.isEmpty()) {
                    throw fp.field("name").error("filter chains need names when the listener has a filter_chain_matcher");
                }
                Integer prev = byName.putIfAbsent(chainName, i);
                if (prev != null) {
                    throw fp.field("name").error("the same name as filter_chains[" + prev + "]");
                }
                chains.add(FilterChainTranslator.translate(l.getFilterChains(i), FilterChainMatch.ANY, fp, ctx));
            }
            for (String a : actions) {
                if (!byName.containsKey(a)) {
                    throw mp.error("names filter chain '" + a + "', which the listener does not have");
                }
            }
        } else {
            // a single chain cannot repeat a match: no record hashCode (its bootstrap) at start-up
            Map<FilterChainMatch, Integer> seen = l.getFilterChainsCount() > 1 ? new HashMap<>() : null;
            for (int i = 0; i < l.getFilterChainsCount(); i++) {
                FieldPath fp = path.field("filter_chains").index(i);
                FilterChainConfig fc = FilterChainTranslator.translate(l.getFilterChains(i), fp, ctx);
                Integer prev = seen == null ? null : seen.putIfAbsent(canonical(fc.match()), i);
                if (prev != null) {
                    throw fp.field("filter_chain_match").error("the same match as filter_chains[" + prev + "]");
                }
                chains.add(fc);
            }
        }
        FilterChainConfig defaultChain = l.hasDefaultFilterChain()
                ? FilterChainTranslator.translate(l.getDefaultFilterChain(), FilterChainMatch.ANY,
                path.field("default_filter_chain"), ctx) : null;
        if (chains.isEmpty() && defaultChain == null) {
            throw path.field("filter_chains").error("a listener needs at least one filter chain");
        }
        boolean bind = l.hasBindToPort() ? l.getBindToPort().getValue()
                : !l.hasDeprecatedV1() || Protos.bool(l.getDeprecatedV1().hasBindToPort(),
                l.getDeprecatedV1().getBindToPort(), true);
        Duration lfTimeout = Protos.duration(l.hasListenerFiltersTimeout(), l.getListenerFiltersTimeout(),
                Duration.ofSeconds(15));
        int buffer = Protos.uint(l.hasPerConnectionBufferLimitBytes(), l.getPerConnectionBufferLimitBytes(),
                io.remora.network.ConnectionInfo.DEFAULT_BUFFER_LIMIT);
        return ListenerConfig.builder(name, address)
                .statPrefix(l.getStatPrefix())
                .direction(dir)
                .listenerFilters(lfs)
                .filterChains(chains)
                .defaultFilterChain(defaultChain)
                .useOriginalDst(useOriginalDst)
                .transparent(Protos.bool(l.hasTransparent(), l.getTransparent(), false))
                .bindToPort(bind)
                .listenerFiltersTimeout(lfTimeout)
                .perConnectionBufferLimitBytes(buffer)
                .filterChainMatcher(matcher)
                .originalSrc(originalSrc)
                .freebind(Protos.bool(l.hasFreebind(), l.getFreebind(), false))
                .proxyProtocol(proxyProtocol).localRateLimit(localRateLimit)
                .continueOnListenerFiltersTimeout(l.getContinueOnListenerFiltersTimeout())
                .ignoreGlobalConnLimit(l.getIgnoreGlobalConnLimit())
                .bypassOverloadManager(l.getBypassOverloadManager())
                .filtersDisabled(disabled)
                .accessLogs(accessLogs)
                .additionalAddresses(additional).socketOptions(socketOptions).addressSocketOptions(addressOptions)
                .socket(ListenerSocketTranslator.translate(l, address, path))
                .drainType(ListenerSocketTranslator.drainType(l))
                .metadata(Protos.filterMetadata(l.getMetadata()))
                .ja3Fingerprinting(ja3)
                .build();
    }

    /**
     * {@code additional_addresses}: socket addresses as the main one is (Envoy wants one socket type
     * for all). Their own {@code socket_options}, when set, replace the listener's ({@code overrides}).
     */
    private static List<Address> additionalAddresses(Listener l, Address main,
                                                     Map<Address, List<io.remora.config.SocketOption>> overrides,
                                                     FieldPath path) {
        List<Address> out = new ArrayList<>(l.getAdditionalAddressesCount());
        for (int i = 0; i < l.getAdditionalAddressesCount(); i++) {
            FieldPath ap = path.index(i);
            var aa = l.getAdditionalAddresses(i);
            if (!(main instanceof Address.Tcp)) {
                throw ap.error("only a listener on a socket address can have additional addresses");
            }
            if (!aa.hasAddress()) {
                throw ap.field("address").error("missing required field");
            }
            Address a = AddressTranslator.translate(aa.getAddress(), ap.field("address"));
            if (!(a instanceof Address.Tcp)) {
                throw ap.field("address").error("must be a socket address, as the listener's address is");
            }
            // Port 0 picks a port per socket: repeating it is not a conflict.
            if (((Address.Tcp) a).port() != 0 && (a.equals(main) || out.contains(a))) {
                throw ap.field("address").error("the listener already listens on " + a);
            }
            if (aa.hasSocketOptions()) {
                overrides.put(a, socketOptions(aa.getSocketOptions().getSocketOptionsList(),
                        ap.field("socket_options").field("socket_options")));
            }
            out.add(a);
        }
        return out;
    }

    /**
     * {@code socket_options}: set on the listening sockets in their {@code state} and only on sockets
     * of their {@code type} (accepted connections inherit what Linux passes on, e.g. keepalive and
     * buffer sizes); see RawSocketOptions.
     */
    static List<io.remora.config.SocketOption> socketOptions(List<io.envoyproxy.envoy.config.core.v3.SocketOption> in,
                                                             FieldPath path) {
        List<io.remora.config.SocketOption> out = new ArrayList<>(in.size());
        for (int i = 0; i < in.size(); i++) {
            var o = in.get(i);
            FieldPath op = path.index(i);
            if (o.getLevel() < 0 || o.getLevel() > Integer.MAX_VALUE) {
                throw op.field("level").error("out of range");
            }
            if (o.getName() < 0 || o.getName() > Integer.MAX_VALUE) {
                throw op.field("name").error("out of range");
            }
            String buf = null;
            int value = 0;
            switch (o.getValueCase()) {
                case INT_VALUE -> {
                    if (o.getIntValue() < Integer.MIN_VALUE || o.getIntValue() > Integer.MAX_VALUE) {
                        throw op.field("int_value").error("out of range of a C int");
                    }
                    value = (int) o.getIntValue();
                }
                case BUF_VALUE -> buf = java.util.HexFormat.of().formatHex(o.getBufValue().toByteArray());
                default -> throw op.error("missing required field: one of int_value, buf_value");
            }
            io.remora.config.SocketOption.SocketType type = null;
            if (o.getType().hasStream() && o.getType().hasDatagram()) {
                throw op.field("type").error("one of stream or datagram, not both");
            } else if (o.getType().hasStream()) {
                type = io.remora.config.SocketOption.SocketType.STREAM;
            } else if (o.getType().hasDatagram()) {
                type = io.remora.config.SocketOption.SocketType.DATAGRAM;
            }
            io.remora.config.SocketOption.State state = switch (o.getState()) {
                case STATE_PREBIND -> io.remora.config.SocketOption.State.PREBIND;
                case STATE_BOUND -> io.remora.config.SocketOption.State.BOUND;
                case STATE_LISTENING -> io.remora.config.SocketOption.State.LISTENING;
                default -> throw op.field("state").error("unknown state " + o.getStateValue());
            };
            out.add(new io.remora.config.SocketOption(o.getDescription(), (int) o.getLevel(), (int) o.getName(), value,
                    buf, state, type));
        }
        return List.copyOf(out);
    }

    static ListenerConfig.TrafficDirection direction(Listener l) {
        return switch (l.getTrafficDirection()) {
            case INBOUND -> ListenerConfig.TrafficDirection.INBOUND;
            case OUTBOUND -> ListenerConfig.TrafficDirection.OUTBOUND;
            default -> ListenerConfig.TrafficDirection.UNSPECIFIED;
        };
    }

    /** Envoy names an unnamed listener by a UUID; a name from its address is stabler and readable. */
    static String defaultName(Address a) {
        return a instanceof Address.Tcp t ? t.host() + "_" + t.port() : a.toString();
    }

    private static FilterChainMatch canonical(FilterChainMatch m) {
        return new FilterChainMatch(m.destinationPort(), sorted(m.prefixRanges()), sorted(m.serverNames()),
                m.transportProtocol(), sorted(m.applicationProtocols()), m.sourceType(), sorted(m.sourcePrefixRanges()),
                sorted(m.sourcePorts()), sorted(m.directSourcePrefixRanges()));
    }

    private static <T> List<T> sorted(List<T> in) {
        List<T> out = new ArrayList<>(in);
        out.sort((a, b) -> a.toString().compareTo(b.toString()));
        return out;
    }

    /**
     * {@code envoy.filters.listener.original_src}: the upstream connections of the listener's
     * connections take the downstream's address (and, with bind_port, its port) as source, on
     * transparent sockets marked with {@code mark}; null when f is another filter.
     */
    private static ListenerConfig.OriginalSrc originalSrc(ListenerFilter f, FieldPath path) {
        boolean typed = f.hasTypedConfig() && Protos.typeName(f.getTypedConfig()).equals(ORIGINAL_SRC);
        if (!typed && !(!f.hasTypedConfig() && (f.getName().equals("envoy.filters.listener.original_src")
                || f.getName().equals("envoy.listener.original_src")))) {
            return null;
        }
        OriginalSrc os = typed ? Protos.unpack(f.getTypedConfig(), OriginalSrc.class, path.field("typed_config"))
                : OriginalSrc.getDefaultInstance();
        return new ListenerConfig.OriginalSrc(os.getBindPort(), os.getMark());
    }

    /** Istio's filter (istio/proxy), often sent wrapped in a TypedStruct. */
    private static final String SET_INTERNAL_DST_ADDRESS_TYPE = "istio.set_internal_dst_address.v1.Config";

    /**
     * tls_inspector's {@code enable_ja3_fingerprinting}; {@code initial_read_buffer_size} only sizes
     * Envoy's first peek (the ClientHello is read whole either way), so it needs nothing here.
     */
    private static boolean ja3Fingerprinting(ListenerFilter f, FieldPath path) {
        if (!f.hasTypedConfig() || !Protos.typeName(f.getTypedConfig()).endsWith(".TlsInspector")) {
            return false;
        }
        var config = Protos.unpack(f.getTypedConfig(),
                io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector.class,
                path.field("typed_config"));
        return config.hasEnableJa3Fingerprinting() && config.getEnableJa3Fingerprinting().getValue();
    }

    private static ListenerConfig.ListenerFilter listenerFilter(ListenerFilter f, FieldPath path,
                                                                TranslationContext ctx) {
        String type = f.hasTypedConfig() ? Protos.typeName(f.getTypedConfig()) : "";
        String kind = type.startsWith(FILTERS) ? type.substring(FILTERS.length(), type.indexOf('.', FILTERS.length()))
                : type.equals(SET_INTERNAL_DST_ADDRESS_TYPE) ? "istio.set_internal_dst_address"
                : f.getName().replace("envoy.filters.listener.", "").replace("envoy.listener.", "");
        return switch (kind) {
            case "original_dst" -> ListenerConfig.ListenerFilter.ORIGINAL_DST;
            case "tls_inspector" -> ListenerConfig.ListenerFilter.TLS_INSPECTOR;
            case "http_inspector" -> ListenerConfig.ListenerFilter.HTTP_INSPECTOR;
            case "istio.set_internal_dst_address" -> ListenerConfig.ListenerFilter.SET_INTERNAL_DST_ADDRESS;
            case "local_ratelimit" -> ListenerConfig.ListenerFilter.LOCAL_RATELIMIT;
            default -> {
                ctx.warnOnce("listener_filter:" + kind, "skipping unsupported listener filter '" + f.getName()
                        + "', first at " + path);
                yield null;
            }
        };
    }
}

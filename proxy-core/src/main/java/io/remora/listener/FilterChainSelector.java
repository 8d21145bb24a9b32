package io.remora.listener;

import io.remora.config.CidrRange;
import io.remora.config.FilterChainConfig;
import io.remora.config.FilterChainMatch;
import io.remora.config.MatchInput;
import io.remora.matching.CompiledCidr;
import io.remora.matching.MatchingData;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Envoy's filter chain match. The criteria are applied in Envoy's order — destination port,
 * destination IP, server name, transport protocol, application protocols, direct source IP,
 * source type, source IP, source port — and at each step only the chains with the most
 * specific matching value survive (an exact port over no port, the longest prefix over shorter ones and over
 * none, an exact server name over {@code *.suffix} wildcards, longest suffix first, over none).
 * There is no backtracking: when a step leaves nothing, the default chain (or none) applies.
 * Runs once per connection, not per request.
 */
public final class FilterChainSelector {

    /**
     * What is known of a connection when its chain is chosen; also the data a listener's
     * {@code filter_chain_matcher} reads, rendered as Envoy's network inputs render it.
     * {@code sourceIp} is the client (a PROXY header's source), {@code directSourceIp} the socket's peer.
     */
    public record Input(InetAddress destinationIp, int destinationPort, String serverName, String transportProtocol,
                        List<String> applicationProtocols, InetAddress sourceIp, int sourcePort,
                        InetAddress directSourceIp)
            implements MatchingData {

        /** A connection whose client is its socket's peer. */
        public Input(InetAddress destinationIp, int destinationPort, String serverName, String transportProtocol,
                     List<String> applicationProtocols, InetAddress sourceIp, int sourcePort) {
            this(destinationIp, destinationPort, serverName, transportProtocol, applicationProtocols, sourceIp,
                    sourcePort, sourceIp);
        }

        @Override
        public String value(MatchInput input) {
            return switch (input.kind()) {
                case DESTINATION_IP, SOURCE_IP, DIRECT_SOURCE_IP -> MatchingData.address(address(input));
                case DESTINATION_PORT -> MatchingData.port(destinationPort);
                case SOURCE_PORT -> MatchingData.port(sourcePort);
                case SOURCE_TYPE -> isLocalSource(this) ? "local" : null;
                case SERVER_NAME -> MatchingData.emptyToNull(serverName);
                case TRANSPORT_PROTOCOL -> MatchingData.emptyToNull(transportProtocol);
                case APPLICATION_PROTOCOL -> MatchingData.applicationProtocols(applicationProtocols);
                // The translator admits no other input for a filter chain matcher.
                default -> null;
            };
        }

        @Override
        public InetAddress address(MatchInput input) {
            return switch (input.kind()) {
                case DESTINATION_IP -> destinationIp;
                case SOURCE_IP -> sourceIp;
                case DIRECT_SOURCE_IP -> directSourceIp;
                default -> null;
            };
        }
    }

    private record Chain(FilterChainConfig config, FilterChainMatch m, List<CompiledCidr> dst, List<CompiledCidr> src,
                         List<CompiledCidr> directSrc) {
    }

    private final List<Chain> chains;
    private final FilterChainConfig defaultChain;
    /** Whether any chain has direct_source_prefix_ranges: without, that step is skipped (no lists per connection). */
    private final boolean byDirectSource;

    public FilterChainSelector(List<FilterChainConfig> filterChains, FilterChainConfig defaultChain) {
        List<Chain> list = new ArrayList<>(filterChains.size());
        for (FilterChainConfig fc : filterChains) {
            FilterChainMatch m = fc.match() != null ? fc.match() : FilterChainMatch.ANY;
            list.add(new Chain(fc, m, cidrs(m.prefixRanges()), cidrs(m.sourcePrefixRanges()),
                    cidrs(m.directSourcePrefixRanges())));
        }
        this.chains = List.copyOf(list);
        this.defaultChain = defaultChain;
        this.byDirectSource = list.stream().anyMatch(ch -> !ch.directSrc().isEmpty());
    }

    static List<CompiledCidr> cidrs(List<CidrRange> ranges) {
        return CompiledCidr.of(ranges);
    }

    /** The matching filter chain, the default chain, or null (the connection is closed). */
    public FilterChainConfig select(Input in) {
        List<Chain> c = chains;
        c = byDestinationPort(c, in.destinationPort());
        c = byIp(c, in.destinationIp(), Chain::dst);
        c = byServerName(c, in.serverName());
        c = byTransportProtocol(c, in.transportProtocol());
        c = byApplicationProtocols(c, in.applicationProtocols());
        if (byDirectSource) {
            c = byIp(c, in.directSourceIp(), Chain::directSrc);
        }
        c = bySourceType(c, in);
        c = byIp(c, in.sourceIp(), Chain::src);
        c = bySourcePort(c, in.sourcePort());
        return c.isEmpty() ? defaultChain : c.get(0).config();
    }

    private static List<Chain> byDestinationPort(List<Chain> in, int port) {
        List<Chain> exact = new ArrayList<>();
        List<Chain> any = new ArrayList<>();
        for (Chain ch : in) {
            int p = ch.m().destinationPort();
            if (p == 0) {
                any.add(ch);
            } else if (p == port) {
                exact.add(ch);
            }
        }
        return exact.isEmpty() ? any : exact;
    }

    private static List<Chain> byIp(List<Chain> in, InetAddress ip,
                                    java.util.function.Function<Chain, List<CompiledCidr>> rangesOf) {
        if (in.isEmpty()) {
            return in;
        }
        byte[] addr = ip == null ? null : ip.getAddress();
        int best = -1;
        List<Chain> bestChains = new ArrayList<>();
        List<Chain> any = new ArrayList<>();
        for (Chain ch : in) {
            List<CompiledCidr> ranges = rangesOf.apply(ch);
            if (ranges.isEmpty()) {
                any.add(ch);
                continue;
            }
            if (addr == null) {
                continue;
            }
            int len = -1;
            for (CompiledCidr r : ranges) {
                if (r.len() > len && r.contains(addr)) {
                    len = r.len();
                }
            }
            if (len < 0) {
                continue;
            }
            if (len > best) {
                best = len;
                bestChains.clear();
            }
            if (len == best) {
                bestChains.add(ch);
            }
        }
        return bestChains.isEmpty() ? any : bestChains;
    }

    private static List<Chain> byServerName(List<Chain> in, String sni) {
        if (in.isEmpty()) {
            return in;
        }
        List<Chain> any = new ArrayList<>();
        for (Chain ch : in) {
            if (ch.m().serverNames().isEmpty()) {
                any.add(ch);
            }
        }
        if (sni == null || sni.isEmpty()) {
            return any;
        }
        String name = sni.toLowerCase(java.util.Locale.ROOT);
        List<Chain> exact = withServerName(in, name);
        if (!exact.isEmpty()) {
            return exact;
        }
        // *.b.example.com, then *.example.com, then *.com: the longest wildcard first.
        for (int dot = name.indexOf('.'); dot >= 0; dot = name.indexOf('.', dot + 1)) {
            List<Chain> wild = withServerName(in, "*" + name.substring(dot));
            if (!wild.isEmpty()) {
                return wild;
            }
        }
        return any;
    }

    private static List<Chain> withServerName(List<Chain> in, String name) {
        List<Chain> out = new ArrayList<>(1);
        for (Chain ch : in) {
            for (String s : ch.m().serverNames()) {
                if (s.equalsIgnoreCase(name)) {
                    out.add(ch);
                    break;
                }
            }
        }
        return out;
    }

    private static List<Chain> byTransportProtocol(List<Chain> in, String tp) {
        List<Chain> exact = new ArrayList<>();
        List<Chain> any = new ArrayList<>();
        for (Chain ch : in) {
            String t = ch.m().transportProtocol();
            if (t == null || t.isEmpty()) {
                any.add(ch);
            } else if (t.equals(tp)) {
                exact.add(ch);
            }
        }
        return exact.isEmpty() ? any : exact;
    }

    private static List<Chain> byApplicationProtocols(List<Chain> in, List<String> alpn) {
        List<Chain> exact = new ArrayList<>();
        List<Chain> any = new ArrayList<>();
        for (Chain ch : in) {
            List<String> want = ch.m().applicationProtocols();
            if (want.isEmpty()) {
                any.add(ch);
            } else if (alpn != null) {
                for (String p : alpn) {
                    if (want.contains(p)) {
                        exact.add(ch);
                        break;
                    }
                }
            }
        }
        return exact.isEmpty() ? any : exact;
    }

    /** Envoy's SAME_IP_OR_LOOPBACK: a loopback source, or the source is the destination's address. */
    static boolean isLocalSource(Input conn) {
        return conn.sourceIp() != null
                && (conn.sourceIp().isLoopbackAddress() || conn.sourceIp().equals(conn.destinationIp()));
    }

    private static List<Chain> bySourceType(List<Chain> in, Input conn) {
        boolean local = isLocalSource(conn);
        FilterChainMatch.SourceType want = local ? FilterChainMatch.SourceType.SAME_IP_OR_LOOPBACK
                : FilterChainMatch.SourceType.EXTERNAL;
        List<Chain> exact = new ArrayList<>();
        List<Chain> any = new ArrayList<>();
        for (Chain ch : in) {
            FilterChainMatch.SourceType t = ch.m().sourceType();
            if (t == null || t == FilterChainMatch.SourceType.ANY) {
                any.add(ch);
            } else if (t == want) {
                exact.add(ch);
            }
        }
        return exact.isEmpty() ? any : exact;
    }

    private static List<Chain> bySourcePort(List<Chain> in, int port) {
        List<Chain> exact = new ArrayList<>();
        List<Chain> any = new ArrayList<>();
        for (Chain ch : in) {
            List<Integer> ports = ch.m().sourcePorts();
            if (ports.isEmpty()) {
                any.add(ch);
            } else if (ports.contains(port)) {
                exact.add(ch);
            }
        }
        return exact.isEmpty() ? any : exact;
    }
}

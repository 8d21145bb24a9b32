package io.remora.config;

import java.util.List;

/**
 * {@code config.listener.v3.FilterChainMatch}. Empty lists and null/0 fields match anything.
 * Selection follows Envoy's order: destination port, destination IP, server name, transport
 * protocol, application protocols, direct source IP, source type, source IP, source port; the
 * most specific wins.
 *
 * @param destinationPort          0 when unset
 * @param transportProtocol        "" when unset, else "raw_buffer" or "tls"
 * @param sourcePrefixRanges       the client's address: a PROXY header's source when there is one
 * @param directSourcePrefixRanges the socket's peer, whatever a PROXY header says
 */
public record FilterChainMatch(
        int destinationPort,
        List<CidrRange> prefixRanges,
        List<String> serverNames,
        String transportProtocol,
        List<String> applicationProtocols,
        SourceType sourceType,
        List<CidrRange> sourcePrefixRanges,
        List<Integer> sourcePorts,
        List<CidrRange> directSourcePrefixRanges) {

    public enum SourceType { ANY, SAME_IP_OR_LOOPBACK, EXTERNAL }

    public static final FilterChainMatch ANY = new FilterChainMatch(0, List.of(), List.of(), "",
            List.of(), SourceType.ANY, List.of(), List.of());

    public FilterChainMatch {
        directSourcePrefixRanges = directSourcePrefixRanges == null ? List.of() : directSourcePrefixRanges;
    }

    /** A match without direct_source_prefix_ranges. */
    public FilterChainMatch(int destinationPort, List<CidrRange> prefixRanges, List<String> serverNames,
                            String transportProtocol, List<String> applicationProtocols, SourceType sourceType,
                            List<CidrRange> sourcePrefixRanges, List<Integer> sourcePorts) {
        this(destinationPort, prefixRanges, serverNames, transportProtocol, applicationProtocols, sourceType,
                sourcePrefixRanges, sourcePorts, List.of());
    }
}

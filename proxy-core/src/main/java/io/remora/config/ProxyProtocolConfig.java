package io.remora.config;

import java.util.Set;

/**
 * The {@code envoy.filters.listener.proxy_protocol} listener filter.
 *
 * @param allowRequestsWithoutProxyProtocol {@code allow_requests_without_proxy_protocol}: a
 *        connection that does not start with a PROXY header is served as it is, not closed
 * @param disallowedVersions {@code disallowed_versions}: 1 and/or 2; a header of such a version
 *        closes the connection
 * @param rules {@code rules}: TLVs kept as the connection's dynamic metadata; one per TLV type,
 *        the last given for a type (Envoy's Config keeps them in a map by type)
 * @param passAllTlvs {@code pass_through_tlvs} with {@code INCLUDE_ALL}: every TLV of a version 2
 *        header is kept for upstream PROXY headers
 * @param passThroughTlvs {@code pass_through_tlvs} with {@code INCLUDE}: the TLV types kept
 * @param statPrefix {@code stat_prefix}: the stats' {@code proxy_proto.<stat_prefix>.} scope ("" for none)
 */
public record ProxyProtocolConfig(boolean allowRequestsWithoutProxyProtocol, Set<Integer> disallowedVersions,
                                  java.util.List<TlvRule> rules, boolean passAllTlvs, Set<Integer> passThroughTlvs,
                                  String statPrefix) {
    public ProxyProtocolConfig {
        disallowedVersions = disallowedVersions == null ? Set.of() : Set.copyOf(disallowedVersions);
        java.util.Map<Integer, TlvRule> byType = new java.util.LinkedHashMap<>();
        for (TlvRule r : rules == null ? java.util.List.<TlvRule>of() : rules) {
            byType.remove(r.type());
            byType.put(r.type(), r);
        }
        rules = java.util.List.copyOf(byType.values());
        passThroughTlvs = passThroughTlvs == null ? Set.of() : Set.copyOf(passThroughTlvs);
        statPrefix = statPrefix == null ? "" : statPrefix;
    }

    public ProxyProtocolConfig(boolean allowRequestsWithoutProxyProtocol, Set<Integer> disallowedVersions,
                               java.util.List<TlvRule> rules, boolean passAllTlvs, Set<Integer> passThroughTlvs) {
        this(allowRequestsWithoutProxyProtocol, disallowedVersions, rules, passAllTlvs, passThroughTlvs, "");
    }

    public ProxyProtocolConfig(boolean allowRequestsWithoutProxyProtocol, Set<Integer> disallowedVersions,
                               java.util.List<TlvRule> rules) {
        this(allowRequestsWithoutProxyProtocol, disallowedVersions, rules, false, Set.of());
    }

    public ProxyProtocolConfig(boolean allowRequestsWithoutProxyProtocol, Set<Integer> disallowedVersions) {
        this(allowRequestsWithoutProxyProtocol, disallowedVersions, java.util.List.of());
    }

    /** The rule for TLVs of {@code type}, or null. */
    public TlvRule rule(int type) {
        for (TlvRule r : rules) {
            if (r.type() == type) {
                return r;
            }
        }
        return null;
    }

    /** Whether a received TLV of {@code type} is kept for upstream PROXY headers. */
    public boolean keepsTlv(int type) {
        return passAllTlvs || passThroughTlvs.contains(type);
    }

    /**
     * A {@code rules} entry: a TLV of {@code type} in a version 2 header becomes the connection's
     * dynamic metadata {@code key} in {@code namespace}, its bytes as a string.
     */
    public record TlvRule(int type, String namespace, String key) {
    }
}

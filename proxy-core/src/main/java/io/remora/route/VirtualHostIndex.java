package io.remora.route;

import io.remora.config.RouteConfiguration;
import io.remora.config.VirtualHost;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Envoy's virtual host selection: the lower-cased Host is looked up as an exact domain, then
 * against suffix wildcards ({@code *.foo.com}, {@code *-bar.foo.com}) longest first, then prefix
 * wildcards ({@code foo.*}) longest first, then the {@code *} virtual host. A wildcard must cover
 * at least one character. The Host is matched as sent, port included, unless
 * {@code ignore_port_in_host_matching} is set.
 */
final class VirtualHostIndex<V> {

    private final DomainTable<V> exact;
    /** Wildcard tables by the length of their fixed part, longest first. */
    private final int[] suffixLengths;
    private final List<DomainTable<V>> suffixes;
    private final int[] prefixLengths;
    private final List<DomainTable<V>> prefixes;
    private final V defaultHost;
    private final boolean onlyDefault;
    private final boolean ignorePort;

    VirtualHostIndex(List<VirtualHost> hosts, List<V> values, boolean ignorePort) {
        List<String> problems = validate(hosts);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        this.ignorePort = ignorePort;
        Map<String, V> exactMap = new HashMap<>();
        TreeMap<Integer, Map<String, V>> suffixMap = new TreeMap<>((a, b) -> b - a);
        TreeMap<Integer, Map<String, V>> prefixMap = new TreeMap<>((a, b) -> b - a);
        V dflt = null;
        for (int i = 0; i < hosts.size(); i++) {
            V value = values.get(i);
            for (String raw : hosts.get(i).domains()) {
                String d = AsciiCase.lower(raw);
                if (d.equals("*")) {
                    dflt = value;
                } else if (d.startsWith("*")) {
                    String fixed = d.substring(1);
                    suffixMap.computeIfAbsent(fixed.length(), k -> new HashMap<>()).put(fixed, value);
                } else if (d.endsWith("*")) {
                    String fixed = d.substring(0, d.length() - 1);
                    prefixMap.computeIfAbsent(fixed.length(), k -> new HashMap<>()).put(fixed, value);
                } else {
                    exactMap.put(d, value);
                }
            }
        }
        exact = new DomainTable<>(exactMap);
        suffixLengths = suffixMap.keySet().stream().mapToInt(Integer::intValue).toArray();
        suffixes = suffixMap.values().stream().map(m -> new DomainTable<>(m)).toList();
        prefixLengths = prefixMap.keySet().stream().mapToInt(Integer::intValue).toArray();
        prefixes = prefixMap.values().stream().map(m -> new DomainTable<>(m)).toList();
        defaultHost = dflt;
        onlyDefault = exactMap.isEmpty() && suffixMap.isEmpty() && prefixMap.isEmpty();
    }

    /** The virtual host for a Host header value; null when none matches or the Host is absent. */
    V find(CharSequence host) {
        if (onlyDefault) {
            // Envoy's fast path: with only a default virtual host even a Host-less request routes.
            return defaultHost;
        }
        if (host == null) {
            return null;
        }
        int end = host.length();
        if (ignorePort) {
            int portStart = HostPort.portStart(host);
            if (portStart >= 0) {
                end = portStart;
            }
        }
        V v = exact.get(host, 0, end);
        if (v != null) {
            return v;
        }
        for (int i = 0; i < suffixLengths.length; i++) {
            int len = suffixLengths[i];
            // Strictly shorter: "*.foo.com" must not match ".foo.com".
            if (len < end && (v = suffixes.get(i).get(host, end - len, end)) != null) {
                return v;
            }
        }
        for (int i = 0; i < prefixLengths.length; i++) {
            int len = prefixLengths[i];
            if (len < end && (v = prefixes.get(i).get(host, 0, len)) != null) {
                return v;
            }
        }
        return defaultHost;
    }

    /** Envoy's domain rules: one "*" in the whole configuration, no domain listed twice. */
    static List<String> validate(List<VirtualHost> hosts) {
        List<String> problems = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < hosts.size(); i++) {
            VirtualHost vh = hosts.get(i);
            if (vh.domains() == null || vh.domains().isEmpty()) {
                problems.add("virtual_hosts[" + i + "].domains: must not be empty (virtual host '"
                        + vh.name() + "')");
                continue;
            }
            for (int j = 0; j < vh.domains().size(); j++) {
                String d = AsciiCase.lower(vh.domains().get(j));
                String path = "virtual_hosts[" + i + "].domains[" + j + "]";
                if (d.isEmpty()) {
                    problems.add(path + ": must not be empty");
                } else if (!seen.add(d)) {
                    problems.add(path + ": " + (d.equals("*")
                            ? "only a single wildcard domain is permitted"
                            : "duplicate entry of domain " + d) + " (virtual host '" + vh.name() + "')");
                }
            }
        }
        return problems;
    }

    static List<String> validate(RouteConfiguration config) {
        return validate(config.virtualHosts());
    }
}

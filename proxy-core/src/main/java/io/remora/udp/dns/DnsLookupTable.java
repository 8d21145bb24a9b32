package io.remora.udp.dns;

import io.remora.config.DnsFilterConfig;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The DNS table as Envoy's filter keeps it: names grouped by their domain suffix (the last two
 * labels), so a query is for a known domain when its suffix has names; a name's addresses,
 * cluster or service; a wildcard {@code *.example.com} answers names below example.com that have
 * no entry of their own, the longest wildcard first. Read-only once built.
 */
final class DnsLookupTable {

    /** One name's endpoint: addresses, a cluster, or a service. */
    static final class Endpoint {
        List<InetAddress> addresses;
        String cluster;
        DnsFilterConfig.Service service;
    }

    private final Map<String, Map<String, Endpoint>> bySuffix = new HashMap<>();
    private final Map<String, Long> ttlSeconds = new HashMap<>();

    DnsLookupTable(List<DnsFilterConfig.VirtualDomain> domains) {
        for (DnsFilterConfig.VirtualDomain d : domains) {
            Map<String, Endpoint> names = bySuffix.computeIfAbsent(suffix(d.name()), k -> new HashMap<>());
            if (d.addresses() != null) {
                Endpoint e = names.computeIfAbsent(d.name(), k -> new Endpoint());
                if (e.addresses == null) {
                    e.addresses = new ArrayList<>();
                }
                // From a random one on, as Envoy stores them, so that answers do not always list them in config order.
                int start = ThreadLocalRandom.current().nextInt(d.addresses().size());
                for (int i = 0; i < d.addresses().size(); i++) {
                    e.addresses.add(d.addresses().get((start + i) % d.addresses().size()));
                }
            }
            if (d.services() != null) {
                for (DnsFilterConfig.Service s : d.services()) {
                    names.computeIfAbsent(s.fullName(), k -> new Endpoint()).service = s;
                }
            }
            if (d.cluster() != null && !names.containsKey(d.name())) {
                // A name redirects to one cluster only: the first entry for it wins.
                names.computeIfAbsent(d.name(), k -> new Endpoint()).cluster = d.cluster();
            }
            ttlSeconds.putIfAbsent(d.name(), (d.answerTtl() != null ? d.answerTtl()
                    : DnsFilterConfig.DEFAULT_ANSWER_TTL).toSeconds());
        }
    }

    /** Whether the table has names under the query's domain suffix (Envoy's known domain). */
    boolean known(String name) {
        return bySuffix.containsKey(suffix(name));
    }

    /** The name's endpoint, its own or a wildcard's; null when the table has none. */
    Endpoint endpoint(String name) {
        Map<String, Endpoint> names = bySuffix.get(suffix(name));
        if (names == null) {
            return null;
        }
        Endpoint e = names.get(name);
        for (int dot = name.indexOf('.'); e == null && dot >= 0; dot = name.indexOf('.', dot + 1)) {
            e = names.get("*" + name.substring(dot));
        }
        return e;
    }

    /** The answer TTL of a name ({@code answer_ttl}, a wildcard's, else Envoy's 300 s). */
    long ttlSeconds(String name) {
        Long ttl = ttlSeconds.get(name);
        for (int dot = name.indexOf('.'); ttl == null && dot >= 0; dot = name.indexOf('.', dot + 1)) {
            ttl = ttlSeconds.get("*" + name.substring(dot));
        }
        return ttl != null ? ttl : DnsFilterConfig.DEFAULT_ANSWER_TTL.toSeconds();
    }

    /** Envoy's getDomainSuffix: the last two labels, or the whole name when it has fewer. */
    static String suffix(String name) {
        int last = name.lastIndexOf('.');
        if (last <= 0) {
            return name;
        }
        int prev = name.lastIndexOf('.', last - 1);
        return prev < 0 ? name : name.substring(prev + 1);
    }
}

package io.remora.extensions.filters.udp.dns_filter;

import io.envoyproxy.envoy.data.dns.v3.DnsTable;
import io.envoyproxy.envoy.data.dns.v3.DnsTable.DnsService;
import io.envoyproxy.envoy.data.dns.v3.DnsTable.DnsServiceTarget;
import io.envoyproxy.envoy.data.dns.v3.DnsTable.DnsVirtualDomain;
import io.remora.config.DnsFilterConfig;
import io.remora.xds.bootstrap.ConfigDocuments;
import io.remora.xds.bootstrap.ProtoJson;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.TranslationContext;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A {@code DnsTable}'s virtual domains, checked as Envoy validates them, and the external table's file. */
final class DnsTableTranslator {

    private DnsTableTranslator() {
    }

    /** The file as Envoy's loadFromFile reads it: by its extension binary (.pb), text (.pb_text), JSON or YAML. */
    static DnsTable load(String filename, FieldPath path, TranslationContext ctx) throws IOException {
        Path file = Path.of(filename);
        if (filename.endsWith(".pb")) {
            return DnsTable.parseFrom(Files.readAllBytes(file));
        }
        String text = Files.readString(file);
        if (filename.endsWith(".pb_text")) {
            DnsTable.Builder b = DnsTable.newBuilder();
            com.google.protobuf.TextFormat.merge(text, b);
            return b.build();
        }
        return ProtoJson.merge(ConfigDocuments.parse(text, filename), DnsTable.newBuilder(), path, ctx).build();
    }

    @SuppressWarnings("deprecation")
    static List<DnsFilterConfig.VirtualDomain> domains(DnsTable t, FieldPath path, TranslationContext ctx) {
        if (t.getKnownSuffixesCount() > 0) {
            ctx.warnOnce("dns_filter.known_suffixes", "known_suffixes is deprecated and unused, as in Envoy (a"
                    + " name is known when the table has names under its last two labels), first at "
                    + path.field("known_suffixes"));
        }
        List<DnsFilterConfig.VirtualDomain> out = new ArrayList<>();
        for (int i = 0; i < t.getVirtualDomainsCount(); i++) {
            out.add(domain(t.getVirtualDomains(i), path.field("virtual_domains").index(i), ctx));
        }
        return out;
    }

    private static DnsFilterConfig.VirtualDomain domain(DnsVirtualDomain d, FieldPath path, TranslationContext ctx) {
        if (d.getName().isEmpty()) {
            throw path.field("name").error("missing required field");
        }
        Duration ttl = null;
        if (d.hasAnswerTtl()) {
            ttl = Protos.duration(d.getAnswerTtl());
            if (ttl.compareTo(Duration.ofSeconds(30)) < 0) {
                throw path.field("answer_ttl").error("must be at least 30s");
            }
        }
        FieldPath ep = path.field("endpoint");
        var e = d.getEndpoint();
        return switch (e.getEndpointConfigCase()) {
            case ADDRESS_LIST -> new DnsFilterConfig.VirtualDomain(d.getName(),
                    addresses(e.getAddressList().getAddressList(), ep.field("address_list").field("address")),
                    null, null, ttl);
            // An empty cluster_name is accepted and unused, as in Envoy.
            case CLUSTER_NAME -> new DnsFilterConfig.VirtualDomain(d.getName(), null,
                    e.getClusterName().isEmpty() ? null : e.getClusterName(), null, ttl);
            case SERVICE_LIST -> new DnsFilterConfig.VirtualDomain(d.getName(), null, null,
                    services(d.getName(), e.getServiceList().getServicesList(), ep.field("service_list")
                            .field("services"), ctx), ttl);
            case ENDPOINTCONFIG_NOT_SET -> throw ep.error("missing required field: one of address_list,"
                    + " cluster_name, service_list");
        };
    }

    private static List<InetAddress> addresses(List<String> list, FieldPath path) {
        if (list.isEmpty()) {
            throw path.error("must have at least one address");
        }
        List<InetAddress> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            byte[] bytes = io.netty.util.NetUtil.createByteArrayFromIpAddressString(list.get(i));
            if (bytes == null) {
                throw path.index(i).error("'" + list.get(i) + "' is not an IP address");
            }
            try {
                // An IPv4-mapped IPv6 address stays IPv6 (AAAA), as Envoy parses it.
                out.add(bytes.length == 16 ? java.net.Inet6Address.getByAddress(null, bytes, -1)
                        : InetAddress.getByAddress(bytes));
            } catch (UnknownHostException e) {
                throw path.index(i).error("'" + list.get(i) + "' is not an IP address");
            }
        }
        return out;
    }

    private static List<DnsFilterConfig.Service> services(String domain, List<DnsService> list, FieldPath path,
                                                          TranslationContext ctx) {
        if (list.isEmpty()) {
            throw path.error("must have at least one service");
        }
        List<DnsFilterConfig.Service> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            DnsService s = list.get(i);
            FieldPath sp = path.index(i);
            if (s.getServiceName().isEmpty()) {
                throw sp.field("service_name").error("missing required field");
            }
            String proto = protocol(s, sp.field("protocol"), ctx);
            Duration ttl = Protos.duration(s.hasTtl(), s.getTtl(), Duration.ZERO);
            if (s.hasTtl() && ttl.compareTo(Duration.ofSeconds(1)) < 0) {
                throw sp.field("ttl").error("must be at least 1s");
            }
            if (s.getTargetsCount() == 0) {
                throw sp.field("targets").error("must have at least one target");
            }
            List<DnsFilterConfig.Target> targets = new ArrayList<>();
            for (int j = 0; j < s.getTargetsCount(); j++) {
                targets.add(target(s.getTargets(j), sp.field("targets").index(j)));
            }
            if (proto != null) {
                String name = (s.getServiceName().startsWith("_") ? "" : "_") + s.getServiceName() + "."
                        + (proto.startsWith("_") ? "" : "_") + proto + "." + domain;
                out.add(new DnsFilterConfig.Service(name, ttl, targets));
            }
        }
        return out;
    }

    /** The protocol's name; null for a number other than 6 (tcp) and 17 (udp), whose service Envoy leaves out. */
    private static String protocol(DnsService s, FieldPath path, TranslationContext ctx) {
        var p = s.getProtocol();
        switch (p.getProtocolConfigCase()) {
            case NAME -> {
                if (p.getName().isEmpty()) {
                    throw path.field("name").error("must not be empty");
                }
                return p.getName();
            }
            case NUMBER -> {
                if (Integer.compareUnsigned(p.getNumber(), 255) >= 0) {
                    throw path.field("number").error("must be less than 255");
                }
                if (p.getNumber() == 6 || p.getNumber() == 17) {
                    return p.getNumber() == 6 ? "tcp" : "udp";
                }
                ctx.warnOnce("dns_filter.protocol_number", "a service protocol number other than 6 (tcp) or 17"
                        + " (udp) has no name, so Envoy leaves the service out, first at " + path.field("number"));
                return null;
            }
            default -> throw path.error("missing required field: one of number, name");
        }
    }

    private static DnsFilterConfig.Target target(DnsServiceTarget t, FieldPath path) {
        String name;
        boolean cluster;
        switch (t.getEndpointTypeCase()) {
            case HOST_NAME -> {
                name = t.getHostName();
                cluster = false;
            }
            case CLUSTER_NAME -> {
                name = t.getClusterName();
                cluster = true;
            }
            default -> throw path.error("missing required field: one of host_name, cluster_name");
        }
        if (name.isEmpty()) {
            throw path.field(cluster ? "cluster_name" : "host_name").error("must not be empty");
        }
        return new DnsFilterConfig.Target(name, cluster, u16(t.getPriority(), path.field("priority")),
                u16(t.getWeight(), path.field("weight")), u16(t.getPort(), path.field("port")));
    }

    private static int u16(int v, FieldPath path) {
        if (Integer.compareUnsigned(v, 65536) >= 0) {
            throw path.error("must be less than 65536, not " + Integer.toUnsignedString(v));
        }
        return v;
    }
}

package io.remora.xds.translate;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DnsResolutionConfig;
import io.envoyproxy.envoy.config.core.v3.DnsResolverOptions;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.extensions.network.dns_resolver.cares.v3.CaresDnsResolverConfig;
import io.envoyproxy.envoy.extensions.network.dns_resolver.getaddrinfo.v3.GetAddrInfoDnsResolverConfig;
import io.remora.config.DnsResolverConfig;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The DNS resolver of a cluster or of the bootstrap, chosen as Envoy's makeDnsResolverConfig does:
 * {@code typed_dns_resolver_config}, else {@code dns_resolution_config}, else the legacy
 * {@code dns_resolvers} and {@code use_tcp_for_dns_lookups}. c-ares and getaddrinfo are the
 * resolvers Envoy builds on Linux; any other type fails, as Envoy finds no factory for it.
 */
public final class DnsResolverTranslator {
    static final String CARES = "envoy.extensions.network.dns_resolver.cares.v3.CaresDnsResolverConfig";
    static final String GETADDRINFO = "envoy.extensions.network.dns_resolver.getaddrinfo.v3.GetAddrInfoDnsResolverConfig";

    private DnsResolverTranslator() {
    }

    /**
     * A cluster's own resolver, or null when it has none and the bootstrap's applies: as Envoy's
     * selectDnsResolver, only a typed config, resolvers in dns_resolution_config, or dns_resolvers
     * give a cluster its own.
     */
    @SuppressWarnings("deprecation")
    static DnsResolverConfig cluster(Cluster c, FieldPath path, TranslationContext ctx) {
        if (c.hasTypedDnsResolverConfig() && !c.getTypedDnsResolverConfig().getTypedConfig().getTypeUrl().isEmpty()) {
            return typed(c.getTypedDnsResolverConfig(), path.field("typed_dns_resolver_config"), ctx);
        }
        if (c.hasDnsResolutionConfig()) {
            return resolution(c.getDnsResolutionConfig(), path.field("dns_resolution_config"));
        }
        if (c.getDnsResolversCount() > 0) {
            return DnsResolverConfig.builder()
                    .nameServers(servers(c.getDnsResolversList(), path.field("dns_resolvers")))
                    .useTcp(c.getUseTcpForDnsLookups()).build();
        }
        if (c.getUseTcpForDnsLookups()) {
            ctx.warnOnce("cluster.use_tcp_for_dns_lookups", "a cluster's use_tcp_for_dns_lookups without"
                    + " dns_resolvers has no effect (as in Envoy, the bootstrap's resolver answers), first at "
                    + path.field("use_tcp_for_dns_lookups"));
        }
        return null;
    }

    /**
     * A dynamic forward proxy cache's own resolver, or null when it has none (Envoy's
     * DnsCacheImpl::selectDnsResolver: a typed config, else a dns_resolution_config; without them
     * the bootstrap's typed config, else c-ares, which the legacy use_tcp_for_dns_lookups sets to TCP).
     */
    static DnsResolverConfig dnsCache(io.envoyproxy.envoy.extensions.common.dynamic_forward_proxy.v3.DnsCacheConfig c,
                                      FieldPath path, TranslationContext ctx) {
        if (c.hasTypedDnsResolverConfig() && !c.getTypedDnsResolverConfig().getTypedConfig().getTypeUrl().isEmpty()) {
            return typed(c.getTypedDnsResolverConfig(), path.field("typed_dns_resolver_config"), ctx);
        }
        if (c.hasDnsResolutionConfig()) {
            return resolution(c.getDnsResolutionConfig(), path.field("dns_resolution_config"));
        }
        return null;
    }

    /**
     * The DNS filter's resolver, as Envoy's createDnsResolverFactoryFromProto picks it from
     * {@code client_config}: {@code typed_dns_resolver_config}, else {@code dns_resolution_config},
     * else the default c-ares resolver (the name servers of /etc/resolv.conf); the bootstrap's is not used.
     */
    @SuppressWarnings("deprecation")
    public static DnsResolverConfig dnsFilter(
            io.envoyproxy.envoy.extensions.filters.udp.dns_filter.v3.DnsFilterConfig.ClientContextConfig c,
            FieldPath path, TranslationContext ctx) {
        if (c.hasTypedDnsResolverConfig() && !c.getTypedDnsResolverConfig().getTypedConfig().getTypeUrl().isEmpty()) {
            return typed(c.getTypedDnsResolverConfig(), path.field("typed_dns_resolver_config"), ctx);
        }
        if (c.hasDnsResolutionConfig()) {
            return resolution(c.getDnsResolutionConfig(), path.field("dns_resolution_config"));
        }
        return DnsResolverConfig.RESOLV_CONF;
    }

    /** The bootstrap's resolver, Envoy's default for every DNS cluster; null: it sets none. */
    @SuppressWarnings("deprecation")
    public static DnsResolverConfig bootstrap(Bootstrap b, TranslationContext ctx) {
        if (b.hasTypedDnsResolverConfig() && !b.getTypedDnsResolverConfig().getTypedConfig().getTypeUrl().isEmpty()) {
            return typed(b.getTypedDnsResolverConfig(), FieldPath.of("typed_dns_resolver_config"), ctx);
        }
        if (b.hasDnsResolutionConfig()) {
            return resolution(b.getDnsResolutionConfig(), FieldPath.of("dns_resolution_config"));
        }
        if (b.getUseTcpForDnsLookups()) {
            return DnsResolverConfig.builder().useTcp(true).build();
        }
        return null;
    }

    /**
     * The bootstrap's typed_dns_resolver_config alone: a dynamic forward proxy cache without a
     * resolver of its own uses it, not the bootstrap's other DNS fields; null: it has none.
     */
    public static DnsResolverConfig bootstrapTyped(Bootstrap b, TranslationContext ctx) {
        if (b.hasTypedDnsResolverConfig() && !b.getTypedDnsResolverConfig().getTypedConfig().getTypeUrl().isEmpty()) {
            return typed(b.getTypedDnsResolverConfig(), FieldPath.of("typed_dns_resolver_config"), ctx);
        }
        return null;
    }

    private static DnsResolverConfig typed(TypedExtensionConfig t, FieldPath path, TranslationContext ctx) {
        FieldPath tp = path.field("typed_config");
        String type = Protos.typeName(t.getTypedConfig());
        if (type.equals(GETADDRINFO)) {
            return getAddrInfo(Protos.unpack(t.getTypedConfig(), GetAddrInfoDnsResolverConfig.class, tp));
        }
        if (!type.equals(CARES)) {
            throw tp.error("DNS resolver type " + type + " is not supported (c-ares and getaddrinfo are)");
        }
        CaresDnsResolverConfig cares = Protos.unpack(t.getTypedConfig(), CaresDnsResolverConfig.class, tp);
        warnCares(cares, tp, ctx);
        DnsResolverOptions o = cares.getDnsResolverOptions();
        return DnsResolverConfig.builder()
                .nameServers(servers(cares.getResolversList(), tp.field("resolvers")))
                .nameServersAsFallback(cares.getUseResolversAsFallback())
                .useTcp(o.getUseTcpForDnsLookups()).noDefaultSearchDomain(o.getNoDefaultSearchDomain())
                .queryTimeout(cares.hasQueryTimeoutSeconds()
                        ? Duration.ofSeconds(positive(cares.getQueryTimeoutSeconds().getValue(),
                                tp.field("query_timeout_seconds")))
                        : DnsResolverConfig.DEFAULT_QUERY_TIMEOUT)
                .build();
    }

    /** c-ares settings Remora's resolver does not act on: one warning each. */
    private static void warnCares(CaresDnsResolverConfig cares, FieldPath path, TranslationContext ctx) {
        if (cares.getFilterUnroutableFamilies()) {
            ctx.warnOnce("dns.cares.filter_unroutable_families", "c-ares filter_unroutable_families is not"
                    + " supported (both families are asked as dns_lookup_family says), first at "
                    + path.field("filter_unroutable_families"));
        }
        if (cares.hasUdpMaxQueries()) {
            ctx.warnOnce("dns.cares.udp_max_queries", "c-ares udp_max_queries is not supported, first at "
                    + path.field("udp_max_queries"));
        }
        if (cares.hasQueryTries()) {
            ctx.warnOnce("dns.cares.query_tries", "c-ares query_tries is not supported (each name server is"
                    + " asked once per query), first at " + path.field("query_tries"));
        }
        if (cares.getRotateNameservers()) {
            ctx.warnOnce("dns.cares.rotate_nameservers", "c-ares rotate_nameservers is not supported (name"
                    + " servers are tried in order), first at " + path.field("rotate_nameservers"));
        }
    }

    /**
     * getaddrinfo.cc: num_retries more tries after EAI_AGAIN (a uint32: past int's range it is
     * endless in practice); one resolver thread, Envoy's default, as this API has no
     * num_resolver_threads.
     */
    private static DnsResolverConfig getAddrInfo(GetAddrInfoDnsResolverConfig g) {
        Integer retries = null;
        if (g.hasNumRetries()) {
            retries = (int) Math.min(Integer.toUnsignedLong(g.getNumRetries().getValue()), Integer.MAX_VALUE - 1);
        }
        return DnsResolverConfig.getAddrInfo(retries, 1);
    }

    private static DnsResolverConfig resolution(DnsResolutionConfig r, FieldPath path) {
        if (r.getResolversCount() == 0) {
            throw path.field("resolvers").error("must have at least one resolver");
        }
        return DnsResolverConfig.builder().nameServers(servers(r.getResolversList(), path.field("resolvers")))
                .useTcp(r.getDnsResolverOptions().getUseTcpForDnsLookups())
                .noDefaultSearchDomain(r.getDnsResolverOptions().getNoDefaultSearchDomain()).build();
    }

    /** Resolver addresses: IP literals, as c-ares needs (Envoy refuses anything else). */
    private static List<InetSocketAddress> servers(List<io.envoyproxy.envoy.config.core.v3.Address> list,
                                                   FieldPath path) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            FieldPath p = path.index(i);
            var a = list.get(i);
            if (!a.hasSocketAddress()) {
                throw p.error("a DNS resolver must be a socket_address");
            }
            FieldPath sp = p.field("socket_address");
            String ip = a.getSocketAddress().getAddress();
            byte[] bytes = io.netty.util.NetUtil.createByteArrayFromIpAddressString(ip);
            if (bytes == null) {
                throw sp.field("address").error("DNS resolver '" + ip + "' is not an IP address");
            }
            if (a.getSocketAddress().getPortSpecifierCase()
                    == io.envoyproxy.envoy.config.core.v3.SocketAddress.PortSpecifierCase.NAMED_PORT) {
                throw sp.field("named_port").error("named ports are not supported; use port_value");
            }
            int port = a.getSocketAddress().getPortValue();
            if (port < 0 || port > 65535) {
                throw sp.field("port_value").error("port " + Integer.toUnsignedString(port) + " is out of range");
            }
            try {
                // port 0: c-ares' default, 53
                out.add(new InetSocketAddress(InetAddress.getByAddress(bytes), port == 0 ? 53 : port));
            } catch (UnknownHostException e) {
                throw sp.field("address").error("DNS resolver '" + ip + "' is not an IP address");
            }
        }
        return out;
    }

    private static long positive(long v, FieldPath path) {
        if (v < 1) {
            throw path.error("must be at least 1");
        }
        return v;
    }
}

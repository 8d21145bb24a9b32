package io.remora.extensions.filters.udp.dns_filter;

import io.envoyproxy.envoy.data.dns.v3.DnsTable;
import io.envoyproxy.envoy.extensions.filters.udp.dns_filter.v3.DnsFilterConfig.ClientContextConfig;
import io.envoyproxy.envoy.extensions.filters.udp.dns_filter.v3.DnsFilterConfig.ServerContextConfig;
import io.remora.config.DnsFilterConfig;
import io.remora.extensions.UdpListenerFilterExtension;
import io.remora.xds.translate.DnsResolverTranslator;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.time.Duration;

/**
 * {@code envoy.filters.udp.dns_filter}: the table (inline, or the external file read now, which
 * Envoy too reads once) answers A, AAAA and SRV queries; {@code client_config} forwards the rest
 * to its resolver. As in Envoy, a table file that cannot be read leaves the table empty (warned),
 * {@code known_suffixes} (deprecated) and {@code upstream_resolvers} (not implemented) are unused.
 */
public final class DnsFilterExtension implements UdpListenerFilterExtension {

    @Override
    public java.util.List<String> names() {
        return java.util.List.of("envoy.filters.udp.dns_filter", "envoy.filters.udp_listener.dns_filter");
    }

    @Override
    public java.util.List<String> configTypes() {
        return java.util.List.of("envoy.extensions.filters.udp.dns_filter.v3.DnsFilterConfig");
    }

    @Override
    public DnsFilterConfig translate(TypedConfig typed, FieldPath path, TranslationContext ctx) {
        if (typed == null) {
            throw path.error("missing required field");
        }
        var c = typed.unpack(io.envoyproxy.envoy.extensions.filters.udp.dns_filter.v3.DnsFilterConfig.class, path);
        if (c.getStatPrefix().isEmpty()) {
            throw path.field("stat_prefix").error("missing required field");
        }
        DnsTable table = table(c.hasServerConfig() ? c.getServerConfig() : null, path.field("server_config"), ctx);
        FieldPath tp = c.hasServerConfig() && c.getServerConfig().hasExternalDnsTable()
                ? path.field("server_config").field("external_dns_table").field("filename")
                : path.field("server_config").field("inline_dns_table");
        if (table.getExternalRetryCount() > 3) {
            throw tp.field("external_retry_count").error("must be at most 3, not "
                    + Integer.toUnsignedString(table.getExternalRetryCount()));
        }
        return new DnsFilterConfig(c.getStatPrefix(), DnsTableTranslator.domains(table, tp, ctx),
                table.getExternalRetryCount(),
                c.hasClientConfig() ? client(c.getClientConfig(), path.field("client_config"), ctx) : null);
    }

    /** The table: inline, or the external file's; an unreadable file gives an empty one, as in Envoy. */
    private static DnsTable table(ServerContextConfig s, FieldPath path, TranslationContext ctx) {
        if (s == null) {
            ctx.warnOnce("dns_filter.no_server_config", "a dns_filter without server_config has an empty table"
                    + " (every query is forwarded or answered NXDOMAIN), first at " + path);
            return DnsTable.getDefaultInstance();
        }
        if (s.hasInlineDnsTable()) {
            return s.getInlineDnsTable();
        }
        FieldPath ep = path.field("external_dns_table");
        var ds = s.getExternalDnsTable();
        if (ds.getSpecifierCase() != io.envoyproxy.envoy.config.core.v3.DataSource.SpecifierCase.FILENAME) {
            ctx.warnOnce("dns_filter.external_dns_table", "Envoy reads the external_dns_table from a filename"
                    + " only: the table is empty, first at " + ep);
            return DnsTable.getDefaultInstance();
        }
        try {
            return DnsTableTranslator.load(ds.getFilename(), ep.field("filename"), ctx);
        } catch (RuntimeException | java.io.IOException e) {
            ctx.warnOnce("dns_filter.external_dns_table", "the DNS table '" + ds.getFilename()
                    + "' cannot be loaded, so it is empty (as in Envoy): " + e.getMessage() + ", first at " + ep);
            return DnsTable.getDefaultInstance();
        }
    }

    @SuppressWarnings("deprecation")
    private static DnsFilterConfig.Client client(ClientContextConfig c, FieldPath path, TranslationContext ctx) {
        Duration timeout = DnsFilterConfig.DEFAULT_RESOLVER_TIMEOUT;
        if (c.hasResolverTimeout()) {
            timeout = Protos.duration(c.getResolverTimeout());
            if (timeout.compareTo(Duration.ofSeconds(1)) < 0) {
                throw path.field("resolver_timeout").error("must be at least 1s");
            }
        }
        if (c.getMaxPendingLookups() < 1) {
            throw path.field("max_pending_lookups").error("must be at least 1");
        }
        if (c.getUpstreamResolversCount() > 0) {
            ctx.warnOnce("dns_filter.upstream_resolvers", "dns_filter upstream_resolvers is not implemented by"
                    + " Envoy and unused; name the servers in typed_dns_resolver_config, first at "
                    + path.field("upstream_resolvers"));
        }
        return new DnsFilterConfig.Client(DnsResolverTranslator.dnsFilter(c, path, ctx), timeout,
                c.getMaxPendingLookups());
    }
}

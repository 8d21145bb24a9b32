package io.remora.xds.translate;

import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.extensions.common.dynamic_forward_proxy.v3.DnsCacheConfig;
import io.remora.config.ClusterConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code extensions.common.dynamic_forward_proxy.v3.DnsCacheConfig}, the cache the dynamic forward
 * proxy filter and cluster share, with Envoy's validation and defaults.
 */
public final class DnsCacheConfigTranslator {

    private DnsCacheConfigTranslator() {
    }

    @SuppressWarnings("deprecation")
    public static io.remora.config.DnsCacheConfig translate(DnsCacheConfig c, FieldPath path, TranslationContext ctx) {
        if (c.getName().isEmpty()) {
            throw path.field("name").error("missing required field");
        }
        var b = io.remora.config.DnsCacheConfig.builder(c.getName());
        b.lookupFamily(switch (c.getDnsLookupFamily()) {
            case V4_ONLY -> ClusterConfig.DnsLookupFamily.V4_ONLY;
            case V6_ONLY -> ClusterConfig.DnsLookupFamily.V6_ONLY;
            case V4_PREFERRED -> ClusterConfig.DnsLookupFamily.V4_PREFERRED;
            case ALL -> ClusterConfig.DnsLookupFamily.ALL;
            case AUTO -> ClusterConfig.DnsLookupFamily.AUTO;
            default -> throw path.field("dns_lookup_family").error("unknown value " + c.getDnsLookupFamilyValue());
        });
        if (c.hasDnsRefreshRate()) {
            b.refreshRate(atLeast(c.getDnsRefreshRate(), Duration.ofMillis(1), path.field("dns_refresh_rate")));
        }
        if (c.hasDnsMinRefreshRate()) {
            b.minRefreshRate(atLeast(c.getDnsMinRefreshRate(), Duration.ofSeconds(1), path.field("dns_min_refresh_rate")));
        }
        if (c.hasHostTtl()) {
            b.hostTtl(atLeast(c.getHostTtl(), Duration.ofNanos(1), path.field("host_ttl")));
        }
        int maxHosts = Protos.uint(c.hasMaxHosts(), c.getMaxHosts(), 1024);
        if (maxHosts < 1) {
            throw path.field("max_hosts").field("value").error("must be greater than 0");
        }
        b.maxHosts(maxHosts);
        if (c.hasDnsFailureRefreshRate()) {
            b.failureRefresh(ClusterTranslator.dnsFailureRefresh(c.getDnsFailureRefreshRate(), path.field("dns_failure_refresh_rate")));
        }
        if (c.hasDnsCacheCircuitBreaker()) {
            var cb = c.getDnsCacheCircuitBreaker();
            b.maxPendingRequests(Protos.uint(cb.hasMaxPendingRequests(), cb.getMaxPendingRequests(), 1024));
        }
        if (c.hasDnsQueryTimeout()) {
            Duration t = Protos.duration(c.getDnsQueryTimeout());
            if (t.isNegative()) {
                throw path.field("dns_query_timeout").error("must be greater than or equal to 0");
            }
            b.queryTimeout(t);
        }
        if (c.getDisableDnsRefreshOnFailure()) {
            ctx.warnOnce("dns_cache.disable_dns_refresh_on_failure", "ignoring disable_dns_refresh_on_failure:"
                    + " failed names are looked up again (first: " + path.field("disable_dns_refresh_on_failure") + ")");
        }
        if (c.hasKeyValueConfig()) {
            ctx.warnOnce("dns_cache.key_value_config", "ignoring key_value_config: the cache is not persisted"
                    + " (first: " + path.field("key_value_config") + ")");
        }
        b.resolver(DnsResolverTranslator.dnsCache(c, path, ctx));
        b.useTcpForDnsLookups(useTcp(c));
        if (c.getPreresolveHostnamesCount() > maxHosts) {
            throw path.field("preresolve_hostnames").error("DNS Cache [" + c.getName() + "] configured with"
                    + " preresolve_hostnames=" + c.getPreresolveHostnamesCount() + " larger than max_hosts=" + maxHosts);
        }
        List<String> preresolve = new ArrayList<>();
        for (int i = 0; i < c.getPreresolveHostnamesCount(); i++) {
            SocketAddress a = c.getPreresolveHostnames(i);
            FieldPath ap = path.field("preresolve_hostnames").index(i);
            if (a.getAddress().isEmpty()) {
                throw ap.field("address").error("missing required field");
            }
            if (a.getPortSpecifierCase() != SocketAddress.PortSpecifierCase.PORT_VALUE || a.getPortValue() > 65535) {
                throw ap.field("port_value").error("a port_value is required");
            }
            String host = a.getAddress().indexOf(':') >= 0 && !a.getAddress().startsWith("[")
                    ? "[" + a.getAddress() + "]" : a.getAddress();
            preresolve.add(host + ":" + a.getPortValue());
        }
        b.preresolve(preresolve);
        io.remora.config.DnsCacheConfig out = b.build();
        ctx.dnsCache(out, path);
        return out;
    }

    private static Duration atLeast(com.google.protobuf.Duration d, Duration min, FieldPath path) {
        Duration v = Protos.duration(d);
        if (v.compareTo(min) < 0) {
            throw path.error("must be at least " + (min.toNanos() < 1_000_000 ? "greater than 0" : min.toMillis() + "ms"));
        }
        return v;
    }

    @SuppressWarnings("deprecation")
    private static boolean useTcp(io.envoyproxy.envoy.extensions.common.dynamic_forward_proxy.v3.DnsCacheConfig c) {
        return c.getUseTcpForDnsLookups();
    }
}

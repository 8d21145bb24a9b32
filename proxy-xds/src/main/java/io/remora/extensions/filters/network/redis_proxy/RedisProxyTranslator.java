package io.remora.extensions.filters.network.redis_proxy;

import io.envoyproxy.envoy.extensions.filters.network.redis_proxy.v3.RedisProxy;
import io.remora.extensions.filters.common.RuntimeFraction;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.TranslationContext;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code RedisProxy} to {@link RedisProxyConfig}, refusing what Envoy refuses and what Remora cannot honour. */
final class RedisProxyTranslator {

    private RedisProxyTranslator() {
    }

    @SuppressWarnings("deprecation")
    static RedisProxyConfig translate(RedisProxy p, FieldPath path, TranslationContext ctx) {
        if (p.getStatPrefix().isEmpty()) {
            throw path.field("stat_prefix").error("must not be empty");
        }
        if (!p.hasSettings()) {
            throw path.field("settings").error("missing required field");
        }
        if (p.hasExternalAuthProvider()) {
            // Authentication that cannot be done must not let every client in.
            throw path.field("external_auth_provider").error("external authentication is not supported");
        }
        RedisProxyConfig.Settings settings = settings(p.getSettings(), path.field("settings"), ctx);
        List<String> passwords = new ArrayList<>();
        if (p.hasDownstreamAuthPassword()) {
            add(passwords, Protos.dataSource(p.getDownstreamAuthPassword(), path.field("downstream_auth_password")));
        }
        for (int i = 0; i < p.getDownstreamAuthPasswordsCount(); i++) {
            add(passwords, Protos.dataSource(p.getDownstreamAuthPasswords(i),
                    path.field("downstream_auth_passwords").index(i)));
        }
        String username = p.hasDownstreamAuthUsername()
                ? Protos.dataSource(p.getDownstreamAuthUsername(), path.field("downstream_auth_username")) : "";
        List<RedisProxyConfig.Fault> faults = new ArrayList<>();
        for (int i = 0; i < p.getFaultsCount(); i++) {
            faults.add(fault(p.getFaults(i), path.field("faults").index(i)));
        }
        return new RedisProxyConfig(p.getStatPrefix(), settings, p.getLatencyInMicros(),
                routes(p.getPrefixRoutes(), path.field("prefix_routes")), passwords, username, faults,
                customCommands(p.getCustomCommandsList(), path.field("custom_commands")));
    }

    private static void add(List<String> passwords, String p) {
        if (!p.isEmpty()) {
            passwords.add(p);
        }
    }

    private static RedisProxyConfig.Settings settings(RedisProxy.ConnPoolSettings s, FieldPath path,
                                                      TranslationContext ctx) {
        if (!s.hasOpTimeout()) {
            throw path.field("op_timeout").error("missing required field");
        }
        Duration op = Protos.duration(s.getOpTimeout());
        if (op.isNegative()) {
            throw path.field("op_timeout").error("must not be negative");
        }
        if (s.getReadPolicy() != RedisProxy.ConnPoolSettings.ReadPolicy.MASTER) {
            ctx.warnOnce("redis_read_policy", "ignoring " + path.field("read_policy") + " " + s.getReadPolicy()
                    + ": it picks replicas of a redis cluster (envoy.clusters.redis), which is not supported");
        }
        if (s.hasConnectionRateLimit()) {
            ctx.warnOnce("redis_connection_rate_limit", "ignoring " + path.field("connection_rate_limit")
                    + ": it limits redis cluster topology refreshes, and the redis cluster type is not supported");
        }
        return RedisProxyConfig.Settings.builder(op)
                .enableHashtagging(s.getEnableHashtagging())
                .enableRedirection(s.getEnableRedirection())
                .maxBufferSizeBeforeFlush(s.getMaxBufferSizeBeforeFlush())
                .bufferFlushTimeout(Protos.duration(s.hasBufferFlushTimeout(), s.getBufferFlushTimeout(),
                        Duration.ofMillis(3)))
                .maxUpstreamUnknownConnections(s.hasMaxUpstreamUnknownConnections()
                        ? s.getMaxUpstreamUnknownConnections().getValue() : 100)
                .enableCommandStats(s.getEnableCommandStats())
                .dnsCache(s.hasDnsCacheConfig() ? io.remora.xds.translate.DnsCacheConfigTranslator.translate(
                        s.getDnsCacheConfig(), path.field("dns_cache_config"), ctx) : null)
                .build();
    }

    private static RedisProxyConfig.Routes routes(RedisProxy.PrefixRoutes r, FieldPath path) {
        if (r.getRoutesCount() == 0 && !r.hasCatchAllRoute()) {
            throw path.error("cannot configure a redis-proxy without any upstream");
        }
        List<RedisProxyConfig.Route> routes = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < r.getRoutesCount(); i++) {
            FieldPath rp = path.field("routes").index(i);
            RedisProxy.PrefixRoutes.Route route = r.getRoutes(i);
            String key = r.getCaseInsensitive() ? route.getPrefix().toLowerCase(Locale.ROOT) : route.getPrefix();
            if (!seen.add(key)) {
                throw rp.field("prefix").error("prefix `" + route.getPrefix() + "` already exists.");
            }
            routes.add(route(route, rp));
        }
        return new RedisProxyConfig.Routes(routes, r.getCaseInsensitive(),
                r.hasCatchAllRoute() ? route(r.getCatchAllRoute(), path.field("catch_all_route")) : null);
    }

    private static RedisProxyConfig.Route route(RedisProxy.PrefixRoutes.Route r, FieldPath path) {
        if (r.getCluster().isEmpty()) {
            throw path.field("cluster").error("must not be empty");
        }
        if (r.getPrefix().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 1000) {
            throw path.field("prefix").error("must be at most 1000 bytes");
        }
        List<RedisProxyConfig.Mirror> mirrors = new ArrayList<>();
        for (int i = 0; i < r.getRequestMirrorPolicyCount(); i++) {
            var m = r.getRequestMirrorPolicy(i);
            FieldPath mp = path.field("request_mirror_policy").index(i);
            if (m.getCluster().isEmpty()) {
                throw mp.field("cluster").error("must not be empty");
            }
            mirrors.add(new RedisProxyConfig.Mirror(m.getCluster(), m.hasRuntimeFraction()
                    ? RuntimeFraction.of(m.getRuntimeFraction(), mp.field("runtime_fraction")) : null,
                    m.getExcludeReadCommands()));
        }
        String readCluster = null;
        if (r.hasReadCommandPolicy()) {
            readCluster = r.getReadCommandPolicy().getCluster();
            if (readCluster.isEmpty()) {
                throw path.field("read_command_policy").field("cluster").error("must not be empty");
            }
        }
        return new RedisProxyConfig.Route(r.getPrefix(), r.getRemovePrefix(), r.getCluster(), mirrors,
                keyFormatter(r.getKeyFormatter(), path.field("key_formatter")), readCluster);
    }

    /** Only {@code %KEY%} is expanded; other formatter commands need a connection's stream info. */
    private static String keyFormatter(String f, FieldPath path) {
        String rest = f.replace(KeyFormat.KEY, "");
        int at = rest.indexOf('%');
        if (at >= 0 && rest.indexOf('%', at + 1) > at) {
            throw path.error("only the %KEY% command is supported in a key_formatter");
        }
        return f;
    }

    private static RedisProxyConfig.Fault fault(RedisProxy.RedisFault f, FieldPath path) {
        if (!f.hasFaultEnabled()) {
            throw path.field("fault_enabled").error("missing required field");
        }
        if (f.getFaultTypeValue() != 0 && f.getFaultTypeValue() != 1) {
            throw path.field("fault_type").error("unknown fault type " + f.getFaultTypeValue());
        }
        List<String> commands = new ArrayList<>();
        for (String c : f.getCommandsList()) {
            commands.add(c.toLowerCase(Locale.ROOT));
        }
        return new RedisProxyConfig.Fault(f.getFaultType() == RedisProxy.RedisFault.RedisFaultType.ERROR,
                RuntimeFraction.of(f.getFaultEnabled(), path.field("fault_enabled")),
                Protos.duration(f.hasDelay(), f.getDelay(), Duration.ZERO), commands);
    }

    private static List<String> customCommands(List<String> commands, FieldPath path) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < commands.size(); i++) {
            String c = commands.get(i).toLowerCase(Locale.ROOT);
            if (c.isEmpty()) {
                throw path.index(i).error("must not be empty");
            }
            out.add(c);
        }
        return out;
    }
}

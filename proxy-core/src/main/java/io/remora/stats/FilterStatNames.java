package io.remora.stats;

import io.micrometer.core.instrument.Meter;

/**
 * The filters' part of {@link StatNames}: their scopes, which Envoy's tag extractors take apart
 * otherwise than a cluster's or a listener's.
 */
final class FilterStatNames {

    private FilterStatNames() {
    }

    /**
     * Filters' scopes that Envoy's tag extractors take apart differently: the fault filter's
     * {@code http.<prefix>.fault[.<downstream_cluster>].<stat>}, csrf's, set_metadata's, cors',
     * rbac's, jwt_authn's, ext_authz's and basic_auth's {@code http.<prefix>.<filter>.<stat>}, the HTTP local rate limit's
     * {@code <stat_prefix>.http_local_rate_limit.<stat>} and the network one's
     * {@code local_rate_limit.<stat_prefix>.<stat>}, the listener one's
     * {@code listener_local_ratelimit.<stat_prefix>.<stat>}, the network global rate limit's
     * {@code ratelimit.<stat_prefix>.<stat>}, connection_limit's
     * {@code connection_limit.<stat_prefix>.<stat>}, the bandwidth limit's
     * {@code <stat_prefix>.http_bandwidth_limit.<stat>}, a virtual cluster's
     * {@code vhost.<virtual_host>.vcluster.<virtual_cluster>.<stat>}, a route's
     * {@code vhost.<virtual_host>.route.<stat_prefix>.<stat>}, the HTTP cache's
     * {@code cache.event.cache_label.<label>.event_type.<event>}, the mongo proxy's
     * ({@link MongoStatNames}); null for any other meter.
     */
    static String dottedName(Meter.Id id, String rest) {
        String mongo = MongoStatNames.dottedName(id, rest);
        if (mongo != null) {
            return mongo;
        }
        String networkRbac = id.getTag(io.remora.rbac.RbacStats.NETWORK_PREFIX_TAG);
        if (networkRbac != null && rest.startsWith("rbac_")) {
            // The network RBAC filter's <stat_prefix>.rbac.[<shadow_rules_stat_prefix>]<stat>.
            return networkRbac + ".rbac." + rest.substring("rbac_".length());
        }
        String proxyProtocol = ProxyProtocolStats.dottedName(id, rest);
        if (proxyProtocol != null) {
            return proxyProtocol;
        }
        String vcluster = id.getTag(VirtualClusterStats.VIRTUAL_CLUSTER_TAG);
        String vhost = id.getTag(VirtualClusterStats.VIRTUAL_HOST_TAG);
        if (vcluster != null && vhost != null && rest.startsWith("vhost_vcluster_")) {
            return "vhost." + vhost + ".vcluster." + vcluster + "." + rest.substring("vhost_vcluster_".length());
        }
        String route = id.getTag(RouteStats.ROUTE_TAG);
        if (route != null && vhost != null && rest.startsWith("vhost_route_")) {
            return "vhost." + vhost + ".route." + route + "." + rest.substring("vhost_route_".length());
        }
        if (rest.startsWith("http_fault_")) {
            String hcm = id.getTag(HttpConnManagerStats.TAG);
            String downstream = id.getTag("envoy_fault_downstream_cluster");
            if (hcm != null) {
                return "http." + hcm + ".fault." + (downstream == null ? "" : downstream + ".")
                        + rest.substring("http_fault_".length());
            }
        }
        String hcm = id.getTag(HttpConnManagerStats.TAG);
        String compression = rest.startsWith("http_") ? CompressionStatNames.dotted(rest.substring(5))
                : id.getTags().isEmpty() ? CompressionStatNames.dotted(rest) : null;
        if (compression != null && (hcm != null || id.getTags().isEmpty())) {
            // A connection manager's compressor, or a router's upstream one in the root scope.
            return hcm != null ? "http." + hcm + "." + compression : compression;
        }
        for (String filter : HCM_FILTER_SCOPES) {
            if (hcm != null && rest.startsWith("http_" + filter + "_")) {
                // RBAC's rules prefix up to its dot became a label; it goes back in front of the stat.
                String rulesPrefix = filter.equals("rbac") ? id.getTag(io.remora.rbac.RbacStats.HTTP_PREFIX_TAG) : null;
                String stat = rest.substring(filter.length() + 6);
                return "http." + hcm + "." + filter + "." + (rulesPrefix == null ? "" : rulesPrefix + ".")
                        + prefixedStat(filter, stat);
            }
        }
        String routeConfig = id.getTag("envoy_rds_route_config");
        if (hcm != null && routeConfig != null && rest.startsWith("http_rds_")) {
            // an RDS subscription's scope: both tags go back in, the route configuration after rds.
            return "http." + hcm + ".rds." + routeConfig + "." + rest.substring("http_rds_".length());
        }
        String srds = scoped(hcm, rest, "scoped_rds", SCOPED_RDS_STATS);
        if (srds != null) {
            return srds;
        }
        String vhds = vhdsScope(hcm, rest);
        if (vhds != null) {
            return vhds;
        }
        String cacheLabel = id.getTag("envoy_cache_label");
        String cacheEvent = id.getTag("envoy_event_type");
        if (cacheLabel != null && cacheEvent != null && rest.equals("cache_event")) {
            // The HTTP cache filter's counter, its tags joined into the name as Envoy's scope does.
            return "cache.event.cache_label." + cacheLabel + ".event_type." + cacheEvent;
        }
        String local = id.getTag("envoy_local_http_ratelimit_prefix");
        if (local != null && rest.startsWith("http_local_rate_limit_")) {
            return local + ".http_local_rate_limit." + rest.substring("http_local_rate_limit_".length());
        }
        String network = id.getTag("envoy_local_network_ratelimit_prefix");
        if (network != null && rest.startsWith("local_rate_limit_")) {
            return "local_rate_limit." + network + "." + rest.substring("local_rate_limit_".length());
        }
        String listenerLocal = id.getTag(io.remora.listener.ListenerRateLimit.TAG);
        if (listenerLocal != null && rest.startsWith("listener_local_ratelimit_")) {
            return "listener_local_ratelimit." + listenerLocal + "." + rest.substring("listener_local_ratelimit_".length());
        }
        String global = id.getTag("envoy_ratelimit_prefix");
        if (global != null && rest.startsWith("ratelimit_")) {
            return "ratelimit." + global + "." + rest.substring("ratelimit_".length());
        }
        int bandwidth = rest.indexOf(StatNames.BANDWIDTH_LIMIT_SCOPE);
        if (bandwidth > 0 && id.getTags().isEmpty()) {
            return rest.substring(0, bandwidth) + ".http_bandwidth_limit."
                    + rest.substring(bandwidth + StatNames.BANDWIDTH_LIMIT_SCOPE.length());
        }
        String dnsCache = "dns_cache_";
        if (id.getTags().isEmpty() && rest.startsWith(dnsCache)) {
            // The dynamic forward proxy's dns_cache.<name>.<stat>: no tag, the name stays in the metric's.
            for (String stat : io.remora.upstream.DnsCacheStats.NAMES) {
                if (rest.length() > dnsCache.length() + stat.length() + 1 && rest.endsWith("_" + stat)) {
                    return "dns_cache." + rest.substring(dnsCache.length(), rest.length() - stat.length() - 1)
                            + "." + stat;
                }
            }
        }
        String dnsFilter = "dns_filter_";
        if (id.getTags().isEmpty() && rest.startsWith(dnsFilter)) {
            // The DNS filter's dns_filter.<stat_prefix>.<stat>: the longest stat that ends the name wins
            // (external_a_record_queries, not a prefix ending in _external and a_record_queries).
            String best = null;
            for (String stat : io.remora.udp.dns.DnsFilterStats.NAMES) {
                if (rest.length() > dnsFilter.length() + stat.length() + 1 && rest.endsWith("_" + stat)
                        && (best == null || stat.length() > best.length())) {
                    best = stat;
                }
            }
            if (best != null) {
                String prefix = rest.substring(dnsFilter.length(), rest.length() - best.length() - 1);
                return "dns_filter." + prefix + "." + best;
            }
        }
        if (id.getTags().isEmpty()) {
            String redis = RedisStatNames.proxy(rest);
            if (redis != null) {
                return redis;
            }
        }
        String thrift = id.getTag(StatNames.THRIFT_PREFIX_TAG);
        if (thrift != null && rest.startsWith("thrift_")) {
            return "thrift." + thrift + "." + rest.substring("thrift_".length());
        }
        String limit = id.getTag("envoy_connection_limit_prefix");
        if (limit != null && rest.startsWith("connection_limit_")) {
            return "connection_limit." + limit + "." + rest.substring("connection_limit_".length());
        }
        return null;
    }

    /** ScopedRdsConfigSubscription's: its subscription's and ScopedRdsStats. */
    private static final String[] SCOPED_RDS_STATS = {"init_fetch_timeout", "update_attempt", "update_failure",
            "update_rejected", "update_success", "update_time", "version_text", "version", "update_duration",
            "config_reload_time_ms", "config_reload", "update_empty", "all_scopes", "on_demand_scopes", "active_scopes"};

    /**
     * {@code http.<prefix>.<scope>.<name>.<stat>} of a subscription named in its scope (scoped RDS): only the prefix
     * is a tag, the name stays in the Prometheus name, told apart from the stat by the known {@code stats}.
     */
    private static String scoped(String hcm, String rest, String scope, String[] stats) {
        if (hcm == null || !rest.startsWith("http_" + scope + "_")) {
            return null;
        }
        String named = rest.substring(scope.length() + 6);
        for (String stat : stats) {
            if (named.length() > stat.length() + 1 && named.endsWith("_" + stat)) {
                return "http." + hcm + "." + scope + "." + named.substring(0, named.length() - stat.length() - 1)
                        + "." + stat;
            }
        }
        return null;
    }

    private static final String[] VHDS_STATS = {"config_reload", "update_empty", "update_success", "update_rejected"};

    /**
     * VHDS's {@code http.<prefix>.vhds.<route_config>.<stat>}: only the prefix is a tag, the route configuration
     * stays in the Prometheus name, told apart from the stat by VHDS's known stats.
     */
    private static String vhdsScope(String hcm, String rest) {
        if (hcm == null || !rest.startsWith("http_vhds_")) {
            return null;
        }
        String scoped = rest.substring("http_vhds_".length());
        for (String stat : VHDS_STATS) {
            if (scoped.length() > stat.length() + 1 && scoped.endsWith("_" + stat)) {
                return "http." + hcm + ".vhds." + scoped.substring(0, scoped.length() - stat.length() - 1) + "." + stat;
            }
        }
        return null;
    }

    /**
     * The Lua and ext_authz filters' {@code [<stat_prefix>.]<stat>}: the stat_prefix stays in the
     * Prometheus name, as Envoy's, and is told apart from the stat by the filter's known stats.
     */
    private static String prefixedStat(String filter, String stat) {
        if (filter.equals("adaptive_concurrency") && stat.startsWith(GRADIENT_CONTROLLER)) {
            return "gradient_controller." + stat.substring(GRADIENT_CONTROLLER.length());
        }
        if (filter.equals("maxmind")) {
            for (String db : MAXMIND_DBS) {
                if (stat.length() > db.length() + 1 && stat.startsWith(db) && stat.charAt(db.length()) == '_') {
                    return db + "." + stat.substring(db.length() + 1);
                }
            }
        }
        String[] known = filter.equals("lua") ? LUA_STATS : filter.equals("ext_authz") ? EXT_AUTHZ_STATS
                : filter.equals("ext_proc") ? EXT_PROC_STATS : filter.equals("ip_tagging") && !stat.equals("no_hit") ? IP_TAGGING_STATS : null;
        if (known != null) {
            for (String s : known) {
                if (stat.length() > s.length() + 1 && stat.endsWith("_" + s)) {
                    return stat.substring(0, stat.length() - s.length() - 1) + "." + s;
                }
            }
        }
        return stat;
    }

    /** The adaptive concurrency filter's controller scope: {@code adaptive_concurrency.gradient_controller.rq_blocked}. */
    private static final String GRADIENT_CONTROLLER = "gradient_controller_";
    private static final String[] LUA_STATS = {"errors", "executions"};
    /** The MaxMind geolocation provider's database scopes: {@code maxmind.city_db.hit}. */
    private static final String[] MAXMIND_DBS = {"city_db", "isp_db", "anon_db", "asn_db"};
    private static final String[] EXT_AUTHZ_STATS = {"failure_mode_allowed", "ok", "denied", "error", "disabled"};
    /** Envoy's ALL_EXT_PROC_FILTER_STATS, after ext_proc's own {@code stat_prefix}. */
    private static final String[] EXT_PROC_STATS = {"streams_started", "stream_msgs_sent", "stream_msgs_received",
        "spurious_msgs_received", "streams_closed", "streams_failed", "failure_mode_allowed", "message_timeouts",
        "rejected_header_mutations", "override_message_timeout_received", "override_message_timeout_ignored",
        "clear_route_cache_ignored", "clear_route_cache_disabled", "clear_route_cache_upstream_ignored",
        "send_immediate_resp_upstream_ignored", "http_not_ok_resp_received"};
    /** ip_tagging's per-tag counter: {@code <tag>.hit}. */
    private static final String[] IP_TAGGING_STATS = {"hit"};

    /** HTTP filters whose counters have their own scope under the connection manager's: {@code http.<prefix>.csrf.request_valid}. */
    private static final String[] HCM_FILTER_SCOPES = {"csrf", "set_metadata", "cors", "rbac", "jwt_authn",
        "ext_authz", "basic_auth", "lua", "admission_control", "aws_request_signing", "aws_lambda", "tap",
        "ip_tagging", "credential_injector", "composite", "adaptive_concurrency", "json_to_metadata", "geoip",
        "maxmind", "ext_proc"};
}

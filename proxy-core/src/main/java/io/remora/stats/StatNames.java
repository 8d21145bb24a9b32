package io.remora.stats;

import io.micrometer.core.instrument.Meter;

/**
 * Maps a meter (Envoy's Prometheus name plus extracted tags) back to Envoy's dotted stat name,
 * undoing Envoy's default tag extractors: {@code envoy_cluster_upstream_rq_xx{envoy_cluster_name="a",
 * envoy_response_code_class="2"}} is {@code cluster.a.upstream_rq_2xx}.
 */
public final class StatNames {

    public static final String RESPONSE_CODE_CLASS = "envoy_response_code_class";
    public static final String RESPONSE_CODE = "envoy_response_code";
    /** A gRPC access logger's {@code stat_prefix} (may be empty), spliced in before the stat's name. */
    public static final String ACCESS_LOG_PREFIX_TAG = "envoy_access_log_prefix";
    /**
     * An extension config discovery subscription's {@code <kind>_filter.<resource name>}, spliced in:
     * {@code extension_config_discovery.http_filter.<name>.config_reload}.
     */
    public static final String ECDS_TAG = "envoy_extension_config_discovery_filter";
    private static final String ECDS_SCOPE = "extension_config_discovery_";
    /**
     * The bandwidth limit filter's {@code <stat_prefix>.http_bandwidth_limit.<stat>}: no tag is
     * extracted, so the (sanitized) prefix stays in the Prometheus name before this.
     */
    public static final String BANDWIDTH_LIMIT_SCOPE = "_http_bandwidth_limit_";
    /** The thrift proxy's {@code stat_prefix}: {@code thrift.<stat_prefix>.request_call}. */
    public static final String THRIFT_PREFIX_TAG = "envoy_thrift_prefix";
    /** Why the thrift router answered locally: {@code thrift.upstream_resp_exception_local.<reason>}. */
    private static final String[] THRIFT_LOCAL_REASONS = {"overflow", "local_connection_failure",
        "remote_connection_failure", "timeout"};

    /** Envoy scopes, most specific first: {@code cluster_manager} must win over {@code cluster}. */
    private static final String[][] SCOPES = {
            {"cluster_manager", null},
            {"listener_manager", null},
            {"cluster", ClusterStats.TAG},
            {"http", HttpConnManagerStats.TAG},
            {"listener", ListenerStats.TAG},
            {"tcp", TcpProxyStats.TAG},
            {"udp", UdpProxyStats.TAG},
            {"server", null},
            {"runtime", null},
    };

    private StatNames() {
    }

    private static final String OVERLOAD = "overload_";
    /** The registries overload stats are named after, dots made underscores in the meter name. */
    private static final String[] OVERLOAD_KINDS = {"envoy_overload_actions_", "envoy_resource_monitors_",
            "envoy_load_shed_points_", "remora_resource_monitors_"};
    private static final String[] OVERLOAD_STATS = {"_active", "_scale_percent", "_pressure", "_failed_updates",
            "_skipped_updates", "_shrink_count", "_shed_load_count", "_streams_reset"};

    /**
     * Envoy's {@code overload.<action, monitor or load shed point>.<stat>}, e.g.
     * {@code overload.envoy.overload_actions.shrink_heap.active}; null for any other overload meter.
     */
    private static String overloadName(String rest) {
        for (String kind : OVERLOAD_KINDS) {
            if (!rest.startsWith(kind)) {
                continue;
            }
            for (String stat : OVERLOAD_STATS) {
                if (rest.endsWith(stat) && rest.length() > kind.length() + stat.length()) {
                    String name = rest.substring(kind.length(), rest.length() - stat.length());
                    return "overload." + kind.replace('_', '.').replace("overload.actions", "overload_actions")
                            .replace("resource.monitors", "resource_monitors")
                            .replace("load.shed.points", "load_shed_points") + name + "." + stat.substring(1);
                }
            }
        }
        return null;
    }

    /**
     * The dotted name with each tag value replaced by {@code <tag>}, e.g.
     * {@code cluster.<envoy_cluster_name>.upstream_rq_<envoy_response_code_class>xx}: the HELP text of a family.
     */
    public static String envoyTemplate(Meter.Id id) {
        java.util.List<io.micrometer.core.instrument.Tag> tags = new java.util.ArrayList<>();
        for (io.micrometer.core.instrument.Tag t : id.getTags()) {
            // A zone pair is part of the family's name (no label), so its HELP names the zones.
            tags.add(ZoneCodeStats.isZoneTag(t.getKey()) ? t
                    : io.micrometer.core.instrument.Tag.of(t.getKey(), "<" + t.getKey() + ">"));
        }
        return envoyName(id.replaceTags(tags));
    }

    public static String envoyName(Meter.Id id) {
        String name = id.getName();
        String rest = name.startsWith("envoy_") ? name.substring(6) : name;
        String codeClass = id.getTag(RESPONSE_CODE_CLASS);
        if (codeClass != null && rest.endsWith("_xx")) {
            rest = rest.substring(0, rest.length() - 2) + codeClass + "xx";
        }
        String code = id.getTag(RESPONSE_CODE);
        if (code != null) {
            rest = rest + "_" + code;
        }
        String alt = AltStatCodeStats.dottedName(id, rest);
        if (alt != null) {
            return alt;
        }
        String zoned = ZoneCodeStats.dottedName(id, rest);
        if (zoned != null) {
            return zoned;
        }
        String accessLogPrefix = id.getTag(ACCESS_LOG_PREFIX_TAG);
        if (accessLogPrefix != null) {
            for (String[] scope : ACCESS_LOG_SCOPES) {
                if (rest.startsWith(scope[0])) {
                    return scope[1] + accessLogPrefix + scope[2] + rest.substring(scope[0].length());
                }
            }
        }
        String ecds = id.getTag(ECDS_TAG);
        if (ecds != null && rest.startsWith(ECDS_SCOPE)) {
            return "extension_config_discovery." + ecds + "." + rest.substring(ECDS_SCOPE.length());
        }
        if (rest.startsWith(OVERLOAD) && id.getTags().isEmpty()) {
            String o = overloadName(rest.substring(OVERLOAD.length()));
            if (o != null) {
                return o;
            }
        }
        String filterScoped = filterScope(id, rest);
        if (filterScoped != null) {
            return filterScoped;
        }
        for (String[] fixed : DOTTED_PREFIXES) {
            if (rest.startsWith(fixed[0]) && id.getTags().isEmpty()) {
                return fixed[1] + rest.substring(fixed[0].length());
            }
        }
        String watchdog = threadWatchdog(id, rest);
        if (watchdog != null) {
            return watchdog;
        }
        for (String[] scope : SCOPES) {
            String prefix = scope[0];
            if (rest.length() > prefix.length() && rest.startsWith(prefix) && rest.charAt(prefix.length()) == '_') {
                String stat = rest.substring(prefix.length() + 1);
                if (scope[1] == null) {
                    String worker = id.getTag(DispatcherStats.WORKER_TAG);
                    return prefix + "." + (worker == null ? "" : worker + ".") + managerSubScope(stat);
                }
                String value = id.getTag(scope[1]);
                if (value != null) {
                    return prefix + "." + value + "." + subScope(stat);
                }
            }
        }
        return rest;
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
     * {@code cache.event.cache_label.<label>.event_type.<event>}; null for any other meter.
     */
    private static String filterScope(Meter.Id id, String rest) {
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
        for (String filter : HCM_FILTER_SCOPES) {
            if (hcm != null && rest.startsWith("http_" + filter + "_")) {
                // RBAC's rules prefix up to its dot became a label; it goes back in front of the stat.
                String rulesPrefix = filter.equals("rbac") ? id.getTag(io.remora.rbac.RbacStats.HTTP_PREFIX_TAG) : null;
                String stat = rest.substring(filter.length() + 6);
                return "http." + hcm + "." + filter + "." + (rulesPrefix == null ? "" : rulesPrefix + ".")
                        + prefixedStat(filter, stat);
            }
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
        int bandwidth = rest.indexOf(BANDWIDTH_LIMIT_SCOPE);
        if (bandwidth > 0 && id.getTags().isEmpty()) {
            return rest.substring(0, bandwidth) + ".http_bandwidth_limit."
                    + rest.substring(bandwidth + BANDWIDTH_LIMIT_SCOPE.length());
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
        String thrift = id.getTag(THRIFT_PREFIX_TAG);
        if (thrift != null && rest.startsWith("thrift_")) {
            return "thrift." + thrift + "." + rest.substring("thrift_".length());
        }
        String limit = id.getTag("envoy_connection_limit_prefix");
        if (limit != null && rest.startsWith("connection_limit_")) {
            return "connection_limit." + limit + "." + rest.substring("connection_limit_".length());
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
                : filter.equals("ip_tagging") && !stat.equals("no_hit") ? IP_TAGGING_STATS : null;
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
    /** ip_tagging's per-tag counter: {@code <tag>.hit}. */
    private static final String[] IP_TAGGING_STATS = {"hit"};

    /** HTTP filters whose counters have their own scope under the connection manager's: {@code http.<prefix>.csrf.request_valid}. */
    private static final String[] HCM_FILTER_SCOPES = {"csrf", "set_metadata", "cors", "rbac", "jwt_authn",
        "ext_authz", "basic_auth", "lua", "admission_control", "aws_request_signing", "aws_lambda", "tap",
        "ip_tagging", "credential_injector", "composite", "adaptive_concurrency", "json_to_metadata", "geoip",
        "maxmind"};

    /** A listener's per-worker scope: {@code worker_0_downstream_cx_total} is {@code worker_0.downstream_cx_total}. */
    private static String workerScope(String stat) {
        if (!stat.startsWith("worker_")) {
            return null;
        }
        int end = 7;
        while (end < stat.length() && Character.isDigit(stat.charAt(end))) {
            end++;
        }
        return end > 7 && end < stat.length() && stat.charAt(end) == '_'
                ? stat.substring(0, end) + "." + stat.substring(end + 1) : null;
    }

    /** Envoy's cluster sub-scopes: {@code outlier_detection.ejections_active}, {@code health_check.success}. */
    private static String subScope(String stat) {
        String worker = workerScope(stat);
        if (worker != null) {
            return worker;
        }
        String redis = RedisStatNames.cluster(stat);
        if (redis != null) {
            return redis;
        }
        for (String sub : CLUSTER_SUB_SCOPES) {
            if (stat.startsWith(sub) && stat.length() > sub.length() && stat.charAt(sub.length()) == '_') {
                String rest = stat.substring(sub.length() + 1);
                if (sub.equals("thrift")) {
                    return "thrift." + thriftStat(rest);
                }
                if (sub.equals("circuit_breakers")) {
                    return "circuit_breakers." + rest.replaceFirst("_", "."); // the priority is a scope: default.cx_open
                }
                if (sub.equals("upstream_proxyprotocol")) {
                    return "upstream.proxyprotocol." + rest; // the upstream_proxy_protocol socket's scope
                }
                return sub + "." + (sub.equals("ratelimit") ? rateLimitStat(rest) : rest);
            }
        }
        return stat;
    }

    /**
     * The global rate limit filter's {@code ratelimit[.<stat_prefix>].<stat>}: Envoy extracts no tag
     * from the stat_prefix, so it stays in the Prometheus name and is told apart by the known stats.
     */
    private static String rateLimitStat(String rest) {
        for (String stat : RATE_LIMIT_STATS) {
            if (rest.length() > stat.length() + 1 && rest.endsWith("_" + stat)) {
                return rest.substring(0, rest.length() - stat.length() - 1) + "." + stat;
            }
        }
        return rest;
    }

    private static final String[] RATE_LIMIT_STATS = {"ok", "over_limit", "error", "failure_mode_allowed"};

    /**
     * The access loggers' scopes, the stat_prefix spliced in before what follows it: the gRPC ones'
     * {@code access_logs.open_telemetry_access_log.<stat_prefix>logs_written} (a bare prefix),
     * Fluentd's {@code access_logs.fluentd.<stat_prefix>.events_sent} (a scope of its own), and the
     * Fluentd tracer's, which shares its client: {@code tracing.fluentd.<stat_prefix>.events_sent}.
     */
    private static final String[][] ACCESS_LOG_SCOPES = {
            {"access_logs_open_telemetry_access_log_", "access_logs.open_telemetry_access_log.", ""},
            {"access_logs_grpc_access_log_", "access_logs.grpc_access_log.", ""},
            {"access_logs_fluentd_", "access_logs.fluentd.", "."},
            {"tracing_fluentd_", "tracing.fluentd.", "."},
    };

    /** Untagged scopes whose names have more than one dotted level: {@code tracing.zipkin.spans_sent}. */
    private static final String[][] DOTTED_PREFIXES = {
            {"tracing_zipkin_", "tracing.zipkin."},
            {"tracing_opentelemetry_", "tracing.opentelemetry."},
            {"tracing_datadog_", "tracing.datadog."},
            {"tracing_skywalking_", "tracing.skywalking."},
            {"http2_", "http2."}, // the downstream HTTP/2 codecs' stats
            {"http1_", "http1."}, // the downstream HTTP/1 codecs'
            // A router's upstream filters count in the root scope, as Envoy's.
            {"aws_request_signing_", "aws_request_signing."},
            {"credential_injector_", "credential_injector."},
            {"aws_lambda_", "aws_lambda."},
            {"thrift_to_metadata_rq_", "thrift_to_metadata.rq."}, // the HTTP thrift_to_metadata filter's (root scope)
            {"thrift_to_metadata_resp_", "thrift_to_metadata.resp."},
            {"main_thread_watchdog_", "main_thread.watchdog_"}, // the guard dogs' own counters
            {"workers_watchdog_", "workers.watchdog_"},
    };

    private static final String[] CLUSTER_SUB_SCOPES = {"outlier_detection", "health_check", "http2", "ratelimit",
        "internal", "external", "canary",
        "upstream_proxyprotocol", "udp", "aws_request_signing", "credential_injector", "aws_lambda", "thrift", "tcp_stats", "circuit_breakers"};

    /** The thrift router's cluster stat, its local exception's reason after a dot. */
    private static String thriftStat(String rest) {
        String local = "upstream_resp_exception_local_";
        if (rest.startsWith(local)) {
            for (String reason : THRIFT_LOCAL_REASONS) {
                if (rest.equals(local + reason)) {
                    return "upstream_resp_exception_local." + reason;
                }
            }
        }
        return rest;
    }

    /**
     * The xDS subscriptions' scopes under the managers: {@code cluster_manager.cds.update_success},
     * {@code listener_manager.lds.update_rejected} (pilot-agent's readiness probe reads exactly these).
     */
    private static final String[] WATCHDOG_STATS = {"_watchdog_miss", "_watchdog_mega_miss"};

    /** A watched thread's {@code server.<thread>.watchdog_miss} (or {@code watchdog_mega_miss}); null otherwise. */
    private static String threadWatchdog(Meter.Id id, String rest) {
        if (!rest.startsWith("server_") || !id.getTags().isEmpty()) {
            return null;
        }
        for (String stat : WATCHDOG_STATS) {
            if (rest.endsWith(stat) && rest.length() > "server_".length() + stat.length()) {
                return "server." + rest.substring("server_".length(), rest.length() - stat.length()) + "." + stat.substring(1);
            }
        }
        return null;
    }

    private static String managerSubScope(String stat) {
        for (String sub : MANAGER_SUB_SCOPES) {
            if (stat.startsWith(sub) && stat.length() > sub.length() && stat.charAt(sub.length()) == '_') {
                return sub + "." + stat.substring(sub.length() + 1);
            }
        }
        return stat;
    }

    private static final String[] MANAGER_SUB_SCOPES = {"odcds", "cds", "lds", "dispatcher"};

    /** Envoy's Prometheus sanitizing: every character outside [a-zA-Z0-9_] becomes '_'. */
    public static String sanitize(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ? c : '_');
        }
        return sb.toString();
    }
}

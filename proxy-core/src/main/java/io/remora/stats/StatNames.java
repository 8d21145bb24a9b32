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
            // A zone pair or a negotiated TLS value is part of the family's name (no label), so its HELP names it.
            tags.add(ZoneCodeStats.isZoneTag(t.getKey()) || SslStatNames.isValueTag(t.getKey()) ? t
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
        String filterScoped = FilterStatNames.dottedName(id, rest);
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
                    String ssl = SslStatNames.subScope(id, stat);
                    return prefix + "." + value + "." + (ssl != null ? ssl : subScope(stat));
                }
            }
        }
        return rest;
    }

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
        String compression = CompressionStatNames.dotted(stat); // a cluster's upstream compressor
        if (compression != null) {
            return compression;
        }
        if (stat.startsWith("retry_upstream_rq")) {
            return "retry." + stat.substring("retry_".length()); // the router's retried responses (not retry_or_shadow_abandoned)
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
            {"tls_inspector_", "tls_inspector."}, // the listeners' tls_inspector (root scope)
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
            {"control_plane_", "control_plane."}, // the ADS stream's ControlPlaneStats
    };

    private static final String[] CLUSTER_SUB_SCOPES = {"outlier_detection", "health_check", "http2", "ratelimit",
        "internal", "external", "canary",
        "upstream_proxyprotocol", "udp", "aws_request_signing", "credential_injector", "aws_lambda", "thrift", "tcp_stats", "circuit_breakers",
        "ring_hash_lb", "maglev_lb"};

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
                String rest = stat.substring(sub.length() + 1);
                // a subscription on a stream of its own reports its ControlPlaneStats in its scope
                return sub + "." + (rest.startsWith("control_plane_") ? "control_plane." + rest.substring(14) : rest);
            }
        }
        return stat;
    }

    /**
     * The xDS subscriptions' scopes under the managers: {@code cluster_manager.cds.update_success},
     * {@code listener_manager.lds.update_rejected} (pilot-agent's readiness probe reads exactly these).
     */
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

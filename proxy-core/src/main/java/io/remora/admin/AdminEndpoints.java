package io.remora.admin;

import io.remora.config.Address;
import io.remora.config.ClusterConfig.CircuitBreakers;
import io.remora.config.ClusterLoadAssignment.HealthStatus;
import io.remora.config.ClusterLoadAssignment.Locality;
import io.remora.config.NodeInfo;
import io.remora.log.Logging;
import io.remora.stats.EnvoyStatsFormat;
import io.remora.stats.PrometheusExposition;
import io.remora.upstream.Cluster;
import io.remora.upstream.Host;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Level;

/**
 * Envoy's admin endpoints, with Envoy's paths, bodies and status codes. Endpoints that change
 * the server require POST, as Envoy's do.
 */
final class AdminEndpoints {

    /**
     * One endpoint: Envoy's path, its help line, whether it mutates state (POST only), the handler;
     * or, for a streamed reply, {@code stream} (then {@code handler} answers only what cannot stream).
     */
    record Endpoint(String path, String help, boolean mutates, Function<Map<String, List<String>>, AdminResponse> handler,
                    AdminStream.Handler stream) {
    }

    private final AdminContext ctx;
    private final Map<String, Endpoint> endpoints = new LinkedHashMap<>();
    private final Runnable quit;

    AdminEndpoints(AdminContext ctx, Runnable quit) {
        this.ctx = ctx;
        this.quit = quit;
        add("/", "Admin home page", false, q -> home());
        add("/certs", "print certs on machine", false, q -> CertsEndpoint.render(ctx.secrets()));
        add("/clusters", "upstream cluster status", false, q -> ClustersEndpoint.handle(ctx, q));
        add("/config_dump", "dump current Envoy configs (experimental)", false, q -> ctx.configDump(
                new ConfigDumpQuery(param(q, "resource"), param(q, "mask"), param(q, "name_regex"),
                        q.containsKey("include_eds"))));
        // Envoy's mutex tracer (--enable-mutex-tracing) watches absl mutexes; the JVM has none to
        // watch, so the flag is ignored and this answers as Envoy does without it.
        add("/contention", "dump current Envoy mutex contention stats (if enabled)", false,
                q -> AdminResponse.ok("Mutex contention tracing is not enabled. To enable, run Envoy with flag "
                        + "--enable-mutex-tracing."));
        add("/drain_listeners", "drain listeners", true, q -> {
            ctx.drainListeners(q.containsKey("inboundonly"), q.containsKey("graceful"), q.containsKey("skip_exit"));
            return AdminResponse.ok("OK\n");
        });
        add("/healthcheck/fail", "cause the server to fail health checks", true, q -> {
            ctx.serverState().failHealthCheck();
            return AdminResponse.ok("OK\n");
        });
        add("/healthcheck/ok", "cause the server to pass health checks", true, q -> {
            ctx.serverState().okHealthCheck();
            return AdminResponse.ok("OK\n");
        });
        add("/help", "print out list of admin commands", false, q -> AdminResponse.ok(help()));
        add("/hot_restart_version", "print the hot restart compatibility version", false,
                q -> AdminResponse.ok("disabled")); // no hot restart, as Envoy built without it says
        add("/init_dump", "dump current Envoy init manager information (experimental)", false, q -> initDump());
        add("/listeners", "print listener info", false, this::listeners);
        add("/logging", "query/change logging levels", true, this::logging);
        add("/memory", "print current allocation/heap usage", false, q -> memory());
        add("/quitquitquit", "exit the server", true, q -> new AdminResponse(200, AdminResponse.TEXT, "OK\n", quit));
        add("/ready", "print server state, return 200 if LIVE, otherwise return 503", false, q -> ready());
        add("/reset_counters", "reset all counters to zero", true, q -> {
            ctx.stats().resetCounters();
            return AdminResponse.ok("OK\n");
        });
        add("/runtime", "print runtime values", false, q -> RuntimeEndpoints.show(ctx));
        add("/runtime_modify", "Adds or modifies runtime values as passed in query parameters. To delete a"
                + " previously added key, use an empty string as the value. Note that deletion only applies to"
                + " overrides added via this endpoint; values loaded from disk can be modified via override"
                + " but not deleted. E.g. ?key1=value1&key2=value2...", true, q -> RuntimeEndpoints.modify(ctx, q));
        add("/reopen_logs", "reopen access logs", true, q -> {
            ctx.reopenLogs();
            return AdminResponse.ok("OK\n");
        });
        add("/server_info", "print server version/status information", false, q -> AdminResponse.json(serverInfo()));
        add("/stats", "print server stats", false, this::stats);
        add("/stats/prometheus", "print server stats in prometheus format", false, this::prometheus);
        add("/stats/recentlookups", "Show recent stat-name lookups", false,
                q -> AdminResponse.ok(ctx.stats().recentLookups().render()));
        add("/stats/recentlookups/clear", "clear list of stat-name lookups and counter", true, q -> {
            ctx.stats().recentLookups().clear();
            return AdminResponse.ok("OK\n");
        });
        add("/stats/recentlookups/disable", "disable recording of reset stat-name lookup names", true, q -> {
            ctx.stats().recentLookups().disable();
            return AdminResponse.ok("OK\n");
        });
        add("/stats/recentlookups/enable", "enable recording of reset stat-name lookup names", true, q -> {
            ctx.stats().recentLookups().enable();
            return AdminResponse.ok("OK\n");
        });
    }

    private void add(String path, String help, boolean mutates, Function<Map<String, List<String>>, AdminResponse> h) {
        endpoints.put(path, new Endpoint(path, help, mutates, h, null));
    }

    /** A POST endpoint answering with a stream (Envoy's {@code /tap}). */
    void addStreaming(String path, String help, AdminStream.Handler h) {
        endpoints.put(path, new Endpoint(path, help, true,
                q -> AdminResponse.text(400, path + " requires a body\n"), h));
    }

    Endpoint find(String path) {
        return endpoints.get(path);
    }

    /** Envoy's AdminImpl::getHelp: every path in alphabetical order, the mutating ones marked {@code (POST)}. */
    String help() {
        StringBuilder sb = new StringBuilder("admin commands are:\n");
        for (Endpoint e : new java.util.TreeMap<>(endpoints).values()) {
            sb.append("  ").append(e.path()).append(e.mutates() ? " (POST)" : "").append(": ").append(e.help())
                    .append('\n');
        }
        return sb.toString();
    }

    private AdminResponse home() {
        StringBuilder sb = new StringBuilder("<!DOCTYPE html>\n<html><head><title>Remora Admin</title></head><body>\n<table>\n");
        for (Endpoint e : endpoints.values()) {
            if (e.path().equals("/")) {
                continue;
            }
            sb.append("<tr><td>");
            if (e.mutates()) {
                sb.append("<form action='").append(e.path()).append("' method='post'><button>")
                        .append(e.path()).append("</button></form>");
            } else {
                sb.append("<a href='").append(e.path()).append("'>").append(e.path()).append("</a>");
            }
            sb.append("</td><td>").append(e.help()).append("</td></tr>\n");
        }
        sb.append("</table>\n</body></html>\n");
        return new AdminResponse(200, AdminResponse.HTML, sb.toString());
    }

    private static String param(Map<String, List<String>> q, String name) {
        List<String> v = q.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    // ---- /ready, /server_info, /memory, /init_dump ----

    /** Envoy's UnreadyTargetsDumps: {@code {}} once everything is initialized. */
    private AdminResponse initDump() {
        Map<String, List<String>> unready = ctx.unreadyTargets();
        if (unready.isEmpty()) {
            return AdminResponse.json("{}");
        }
        List<Object> dumps = new ArrayList<>();
        unready.forEach((manager, targets) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", manager);
            m.put("target_names", targets);
            dumps.add(m);
        });
        return AdminResponse.json(Json.write(Map.of("unready_targets_dumps", dumps)));
    }

    private AdminResponse ready() {
        ServerState.State s = ctx.serverState().state();
        // Envoy's body is the state's name and a newline; only LIVE is 200.
        return AdminResponse.text(s == ServerState.State.LIVE ? 200 : 503, s.name() + "\n");
    }

    String serverInfo() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", ctx.version());
        m.put("state", ctx.serverState().state().name());
        m.put("hot_restart_version", "disabled");
        m.put("command_line_options", ctx.commandLineOptions());
        m.put("node", node(ctx.node()));
        Duration uptime = Duration.ofSeconds(ctx.stats().server().uptimeSeconds());
        m.put("uptime_current_epoch", uptime);
        m.put("uptime_all_epochs", uptime);
        return Json.write(m);
    }

    private static Map<String, Object> node(NodeInfo n) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (n == null) {
            return m;
        }
        m.put("id", n.id());
        m.put("cluster", n.cluster());
        m.put("metadata", n.metadata() == null ? Map.of() : n.metadata());
        Map<String, Object> loc = new LinkedHashMap<>();
        if (n.region() != null && !n.region().isEmpty()) {
            loc.put("region", n.region());
        }
        if (n.zone() != null && !n.zone().isEmpty()) {
            loc.put("zone", n.zone());
        }
        if (n.subZone() != null && !n.subZone().isEmpty()) {
            loc.put("sub_zone", n.subZone());
        }
        m.put("locality", loc);
        m.put("user_agent_name", "remora");
        return m;
    }

    private AdminResponse memory() {
        Runtime rt = Runtime.getRuntime();
        Map<String, Object> m = new LinkedHashMap<>();
        // proto3 JSON writes uint64 as strings, as Envoy's /memory does.
        m.put("allocated", Long.toString(rt.totalMemory() - rt.freeMemory()));
        m.put("heap_size", Long.toString(rt.totalMemory()));
        m.put("pageheap_unmapped", "0");
        m.put("pageheap_free", Long.toString(rt.freeMemory()));
        m.put("total_thread_cache", "0");
        m.put("total_physical_bytes", Long.toString(rt.totalMemory()));
        return AdminResponse.json(Json.write(m));
    }

    // ---- /stats ----

    /** Envoy's {@code filter}: an RE2 partial match on the dotted stat name. */
    private java.util.function.Predicate<String> filter(Map<String, List<String>> q) {
        String f = param(q, "filter");
        if (f == null || f.isEmpty()) {
            return null;
        }
        com.google.re2j.Pattern p = com.google.re2j.Pattern.compile(f);
        return name -> p.matcher(name).find();
    }

    private AdminResponse stats(Map<String, List<String>> q) {
        String format = param(q, "format");
        if ("prometheus".equals(format)) {
            return prometheus(q);
        }
        ctx.statsRequested();
        java.util.function.Predicate<String> filter;
        try {
            filter = filter(q);
        } catch (com.google.re2j.PatternSyntaxException e) {
            return AdminResponse.text(400, "Invalid re2 regex");
        }
        // Envoy's StatsParams::parse checks these, in this order, before any output.
        String buckets = param(q, "histogram_buckets");
        if (!EnvoyStatsFormat.validBuckets(buckets)) {
            return AdminResponse.text(400, "usage: /stats?histogram_buckets=(cumulative|disjoint|detailed|summary)\n");
        }
        EnvoyStatsFormat.Type type = EnvoyStatsFormat.Type.of(param(q, "type"));
        if (type == null) {
            return AdminResponse.text(400, "invalid &type= param");
        }
        boolean usedOnly = q.containsKey("usedonly");
        if ("json".equals(format)) {
            return AdminResponse.json(EnvoyStatsFormat.jsonWhere(ctx.stats().meterRegistry(), usedOnly, filter,
                    EndpointStats.collect(ctx), type, buckets));
        }
        if (format != null && !format.equals("text")) {
            return AdminResponse.text(400, "usage: /stats?format=(html|active-html|json|prometheus|text)\n\n");
        }
        return AdminResponse.ok(EnvoyStatsFormat.textWhere(ctx.stats().meterRegistry(), usedOnly, filter,
                EndpointStats.collect(ctx), type, buckets));
    }

    private AdminResponse prometheus(Map<String, List<String>> q) {
        ctx.statsRequested();
        java.util.function.Predicate<String> filter;
        try {
            filter = filter(q);
        } catch (com.google.re2j.PatternSyntaxException e) {
            return AdminResponse.text(400, "Invalid re2 regex");
        }
        return new AdminResponse(200, PrometheusExposition.CONTENT_TYPE,
                PrometheusExposition.scrape(ctx.stats(), q.containsKey("usedonly"), filter, EndpointStats.collect(ctx),
                        q.containsKey("text_readouts")));
    }

    static String address(SocketAddress a) {
        if (a instanceof InetSocketAddress in) {
            String host = in.getAddress() != null ? in.getAddress().getHostAddress() : in.getHostString();
            return host.indexOf(':') >= 0 ? "[" + host + "]:" + in.getPort() : host + ":" + in.getPort();
        }
        return String.valueOf(a);
    }

    private static Map<String, Object> socketAddress(String host, int port) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("address", host);
        m.put("port_value", port);
        return m;
    }

    // ---- /listeners ----

    private AdminResponse listeners(Map<String, List<String>> q) {
        List<AdminContext.ListenerStatus> listeners = ctx.listeners();
        if ("json".equals(param(q, "format"))) {
            List<Object> out = new ArrayList<>();
            for (AdminContext.ListenerStatus l : listeners) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", l.name());
                Object local = addressJson(l.address());
                if (local != null) {
                    m.put("local_address", local);
                }
                if (!l.additionalAddresses().isEmpty()) {
                    List<Object> more = new ArrayList<>();
                    for (Address a : l.additionalAddresses()) {
                        more.add(addressJson(a));
                    }
                    m.put("additional_local_addresses", more);
                }
                out.add(m);
            }
            return AdminResponse.json(Json.write(Map.of("listener_statuses", out)));
        }
        StringBuilder sb = new StringBuilder();
        for (AdminContext.ListenerStatus l : listeners) {
            // One line per socket, as Envoy's: the main address, then the additional ones.
            sb.append(l.name()).append("::").append(l.address()).append('\n');
            for (Address a : l.additionalAddresses()) {
                sb.append(l.name()).append("::").append(a).append('\n');
            }
        }
        return AdminResponse.ok(sb.toString());
    }

    /** An address as the admin API's {@code config.core.v3.Address} JSON, or null when it has none. */
    private static Object addressJson(Address a) {
        if (a instanceof Address.Tcp t) {
            return Map.of("socket_address", socketAddress(t.host(), t.port()));
        } else if (a instanceof Address.Pipe p) {
            return Map.of("pipe", Map.of("path", p.path()));
        } else if (a instanceof Address.Internal i) {
            return Map.of("envoy_internal_address", Map.of("server_listener_name", i.serverListenerName()));
        }
        return null;
    }

    // ---- /logging ----

    private static final String LOGGING_USAGE = "usage: /logging?<name>=<level> (change single level)\n"
            + "usage: /logging?paths=name1:level1,name2:level2,... (change multiple levels)\n"
            + "usage: /logging?level=<level> (change all levels)\n"
            + "levels: trace debug info warning error critical off\n";

    private AdminResponse logging(Map<String, List<String>> q) {
        try {
            if (q.size() > 1) {
                throw new IllegalArgumentException("one parameter at a time");
            }
            for (Map.Entry<String, List<String>> e : q.entrySet()) {
                String key = e.getKey();
                String value = e.getValue().isEmpty() ? "" : e.getValue().get(0);
                if (key.equals("level")) {
                    Logging.setAll(Logging.parseLevel(value));
                } else if (key.equals("paths")) {
                    Map<String, Level> levels = Logging.parseComponentLevels(value);
                    for (String c : levels.keySet()) {
                        requireComponent(c);
                    }
                    levels.forEach(Logging::setComponent);
                } else {
                    requireComponent(key);
                    Logging.setComponent(key, Logging.parseLevel(value));
                }
            }
        } catch (IllegalArgumentException ex) {
            // Envoy answers a bad logging request with 404 and the usage.
            return AdminResponse.text(404, LOGGING_USAGE + activeLoggers());
        }
        return AdminResponse.ok(activeLoggers());
    }

    private static void requireComponent(String c) {
        if (!Logging.isComponent(c)) {
            throw new IllegalArgumentException("unknown logger " + c);
        }
    }

    private static String activeLoggers() {
        StringBuilder sb = new StringBuilder("active loggers:\n");
        Logging.levels().forEach((c, l) -> sb.append("  ").append(c).append(": ").append(l).append('\n'));
        return sb.toString();
    }
}

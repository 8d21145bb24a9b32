package io.remora.stats;

import io.remora.redis.RedisCommands;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The redis proxy's dotted names. Envoy extracts no tag from {@code redis.<stat_prefix>.*}, so
 * the (sanitized) prefix stays in the Prometheus name and the stat is told apart by the known
 * names: {@code envoy_redis_egress_command_bf_add_total} is
 * {@code redis.egress.command.bf.add.total}. Under a cluster,
 * {@code redis_cluster_upstream_commands_get_total} is
 * {@code redis_cluster.upstream_commands.get.total}.
 */
final class RedisStatNames {
    /** The filter's own stats ({@code splitter_*} become {@code splitter.*}). */
    static final List<String> PROXY_STATS = List.of("downstream_cx_active", "downstream_cx_drain_close",
            "downstream_cx_protocol_error", "downstream_cx_rx_bytes_buffered", "downstream_cx_rx_bytes_total",
            "downstream_cx_total", "downstream_cx_tx_bytes_buffered", "downstream_cx_tx_bytes_total",
            "downstream_rq_active", "downstream_rq_total", "splitter_invalid_request", "splitter_unsupported_command");
    private static final List<String> COMMAND_STATS = List.of("error_fault", "delay_fault", "total", "success",
            "error", "failure", "latency");
    private static final Map<String, String> COMMANDS = new HashMap<>();

    static {
        for (String c : RedisCommands.ALL) {
            COMMANDS.put(StatNames.sanitize(c), c);
        }
    }

    private RedisStatNames() {
    }

    /** {@code redis.<prefix>.<stat>} for an untagged {@code redis_<prefix>_<stat>}, or null. */
    static String proxy(String rest) {
        if (!rest.startsWith("redis_")) {
            return null;
        }
        for (String s : PROXY_STATS) {
            if (rest.length() > 6 + s.length() + 1 && rest.endsWith("_" + s)) {
                String prefix = rest.substring(6, rest.length() - s.length() - 1);
                return "redis." + prefix + "." + (s.startsWith("splitter_") ? "splitter." + s.substring(9) : s);
            }
        }
        int at = rest.lastIndexOf("_command_");
        String command = at > 6 ? command(rest.substring(at + 9)) : null;
        return command == null ? null : "redis." + rest.substring(6, at) + ".command." + command;
    }

    /** {@code redis_cluster.*} under a cluster, or null for another stat. */
    static String cluster(String stat) {
        if (!stat.startsWith("redis_cluster_")) {
            return null;
        }
        String rest = stat.substring(14);
        if (!rest.startsWith("upstream_commands_")) {
            return "redis_cluster." + rest;
        }
        String sub = rest.substring(18);
        String command = sub.equals("upstream_rq_time") ? sub : command(sub);
        return command == null ? null : "redis_cluster.upstream_commands." + command;
    }

    /** {@code <command>.<stat>} for {@code <sanitized command>_<stat>}, or null. */
    private static String command(String s) {
        for (String stat : COMMAND_STATS) {
            if (s.length() > stat.length() + 1 && s.endsWith("_" + stat)) {
                // A custom_commands entry is not known here: its (sanitized) name stays as it is.
                String sanitized = s.substring(0, s.length() - stat.length() - 1);
                return COMMANDS.getOrDefault(sanitized, sanitized) + "." + stat;
            }
        }
        return null;
    }
}

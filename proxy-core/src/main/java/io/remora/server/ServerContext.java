package io.remora.server;

import io.remora.accesslog.AccessLog;
import io.remora.config.AccessLogConfig;
import io.remora.config.RouteConfiguration;
import io.remora.stats.StatsRegistry;
import io.remora.upstream.ClusterManager;

import java.util.List;

/**
 * What network filters and listeners need from the server, handed to filter factories when a
 * filter chain is built.
 */
public interface ServerContext {

    Transport transport();

    ClusterManager clusterManager();

    StatsRegistry stats();

    /**
     * The current route configuration of that name (RDS), or null if it has not arrived.
     * Read once at the start of each request; the returned object is immutable.
     */
    RouteConfiguration routeConfiguration(String name);

    /** Builds the access logs of a filter (files are opened once and shared). */
    List<AccessLog> accessLogs(List<AccessLogConfig> configs);

    /** True once the server drains (SIGTERM, /healthcheck/fail, listener removal). */
    boolean draining();

    /** The overload manager: its actions, connection limits and header budget. */
    default io.remora.overload.OverloadManager overload() {
        return io.remora.overload.OverloadManager.unmanaged();
    }
}

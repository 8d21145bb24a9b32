package io.remora.admin;

import io.remora.config.Address;
import io.remora.config.NodeInfo;
import io.remora.stats.StatsRegistry;
import io.remora.upstream.ClusterManager;

import java.util.List;
import java.util.Map;

/**
 * What the admin API reads and changes in the running server. Implemented once by the server at
 * integration; every method is called on the admin's own thread.
 */
public interface AdminContext {

    StatsRegistry stats();

    /** LIVE / DRAINING / INITIALIZING; {@code /healthcheck/fail} and {@code /healthcheck/ok} change it. */
    ServerState serverState();

    /** For {@code /clusters}: clusters, their hosts and circuit breakers. */
    ClusterManager clusterManager();

    /** For {@code /listeners}: the active listeners in config order, with their bound addresses. */
    List<ListenerStatus> listeners();

    NodeInfo node();

    /** Before {@code /stats} or {@code /stats/prometheus} renders: flushes the sinks with stats_flush_on_admin. */
    default void statsRequested() {
    }

    /** The version string of {@code /server_info}, e.g. "remora/0.1.0/RELEASE". */
    String version();

    /**
     * {@code /server_info}'s command_line_options in Envoy's field names (e.g. "concurrency": 2,
     * "log_level": "info", "config_path": "..."); values are strings, numbers, booleans, lists.
     */
    Map<String, Object> commandLineOptions();

    /** {@code /config_dump}: Envoy's ConfigDump as JSON (the translator renders it). */
    String configDump();

    /**
     * {@code /config_dump} with Envoy's query parameters ({@code resource}, {@code mask},
     * {@code name_regex}, {@code include_eds}) and their error statuses. The default ignores them.
     */
    default AdminResponse configDump(ConfigDumpQuery query) {
        return AdminResponse.json(configDump());
    }

    /** The layered runtime {@code /runtime} shows and {@code /runtime_modify} changes; null = none. */
    default io.remora.runtime.RuntimeLoader runtime() {
        return null;
    }

    /** {@code /clusters}' {@code added_via_api}: whether the cluster came from CDS. */
    default boolean addedViaApi(String cluster) {
        return false;
    }

    /**
     * {@code /init_dump}: what the server still waits for before it is ready, by init manager name
     * (e.g. "init manager Server" → ["CDS", "LDS"]); empty once initialized.
     */
    default Map<String, List<String>> unreadyTargets() {
        return Map.of();
    }

    /** {@code /quitquitquit}: stop the process. Called off the admin event loop after the reply is sent. */
    void quit();

    /**
     * {@code POST /drain_listeners}: Istio's pilot-agent calls it (with {@code inboundonly} and
     * {@code graceful}) when the pod stops; {@code skip_exit} leaves the listeners accepting. It leaves
     * the server state alone: Envoy's {@code /ready} and {@code server.state} follow only the init
     * manager and the health check (admin/utils.cc serverState), so the server stays LIVE.
     */
    default void drainListeners(boolean inboundOnly, boolean graceful, boolean skipExit) {
    }

    /** {@code /reopen_logs}: reopen access log files after rotation. */
    /** The TLS secrets and contexts in use ({@code /certs}); null when the server has none. */
    default io.remora.tls.SecretManager secrets() {
        return null;
    }

    default void reopenLogs() {
    }

    /**
     * A listener as {@code /listeners} shows it; the addresses are the bound ones (port 0 resolved),
     * {@code additionalAddresses} those of its additional_addresses.
     */
    record ListenerStatus(String name, Address address, List<Address> additionalAddresses) {
        public ListenerStatus(String name, Address address) {
            this(name, address, List.of());
        }
    }
}

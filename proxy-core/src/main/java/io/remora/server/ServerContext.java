package io.remora.server;

import io.remora.accesslog.AccessLog;
import io.remora.config.AccessLogConfig;
import io.remora.config.RouteConfiguration;
import io.remora.route.RouteTable;
import io.remora.stats.StatsRegistry;
import io.remora.upstream.ClusterManager;

import java.util.List;

/**
 * What network filters and listeners need from the server, handed to filter factories when a
 * filter chain is built.
 */
public interface ServerContext {

    Transport transport();

    /**
     * The server's own context, under any per-listener view of it (a DEFAULT-drain listener's):
     * what per-server registries key by, so every listener's filters find the same one.
     */
    default ServerContext root() {
        return this;
    }

    ClusterManager clusterManager();

    StatsRegistry stats();

    /**
     * The current route configuration of that name (RDS), or null if it has not arrived.
     * Read once at the start of each request; the returned object is immutable.
     */
    RouteConfiguration routeConfiguration(String name);

    /**
     * The current route configuration of that name compiled for lookup, or null if it has not
     * arrived. Servers compile RDS tables on the control thread when a snapshot is applied, so no
     * worker compiles on a request's path; this default compiles on demand (tests).
     */
    default RouteTable routeTable(String name) {
        RouteConfiguration c = routeConfiguration(name);
        return c == null ? null : RouteTable.compile(c);
    }

    /** The scopes scoped RDS delivered, by key (none before any). */
    default java.util.Map<java.util.List<String>, io.remora.config.ScopedRoutesConfig.Scope> scopedRoutes() {
        return java.util.Map.of();
    }

    /** Builds the access logs of a filter (files are opened once and shared). */
    List<AccessLog> accessLogs(List<AccessLogConfig> configs);

    /**
     * A line writer appending to the file at {@code path}, shared with every access log naming it
     * (a filter's own log, as mongo_proxy's); throws UncheckedIOException when it cannot be opened.
     */
    default java.util.function.Consumer<String> accessLogFile(String path) {
        throw new UnsupportedOperationException("no access log files in this context");
    }

    /**
     * Envoy's drainClose: whether a connection asking closes now because the server drains (SIGTERM,
     * /drain_listeners), in any direction; under the gradual strategy a growing share of askers hear yes.
     */
    boolean draining();

    /**
     * Envoy's drainClose(direction): as {@link #draining()}, for a drain that reaches this scope, the inbound
     * one ({@code inboundScope}: an INBOUND listener's HTTP connections) or all (any other listener's, and
     * network filters'). An inbound-only drain reaches only the first.
     */
    default boolean draining(boolean inboundScope) {
        return draining();
    }

    /**
     * Envoy's server health-check state: failed from the admin's {@code POST /healthcheck/fail}
     * until {@code POST /healthcheck/ok}. The health_check HTTP filter answers 503 meanwhile.
     */
    default boolean healthCheckFailed() {
        return false;
    }

    /**
     * The current snapshot of the layered runtime ({@code layered_runtime}, {@code /runtime_modify}).
     * Read it once per decision and keep the returned object for that decision; it never changes.
     */
    /**
     * Envoy's local address (by {@code --local-address-ip-version}); null when not set (tests), and
     * the connection's own local address stands in.
     */
    default java.net.InetAddress localAddress() {
        return null;
    }

    default io.remora.runtime.Runtime runtime() {
        return io.remora.runtime.Runtime.EMPTY;
    }

    /** Where a tracing provider's spans go (one sink per provider config), or null when none can be made. */
    default io.remora.tracing.SpanSink spanSink(io.remora.config.TracingConfig.Provider provider) {
        return null;
    }

    /** The overload manager: its actions, connection limits and header budget. */
    default io.remora.overload.OverloadManager overload() {
        return io.remora.overload.OverloadManager.unmanaged();
    }

    /**
     * This proxy's node (bootstrap {@code node}: id, cluster, locality, metadata), as Envoy's local
     * info; Istio's filters read the workload's identity from its metadata. Never null.
     */
    default io.remora.config.NodeInfo node() {
        return io.remora.config.NodeInfo.of("", "");
    }

    /**
     * The process's secrets by name (static_resources.secrets and SDS); filters read their generic
     * secrets here at use, so a rotation applies to the next request. Null when there is none.
     */
    default io.remora.tls.SecretManager secrets() {
        return null;
    }

    /** Discovery on a request's demand (VHDS); {@link OnDemandDiscovery#NONE} without an xDS client. */
    default OnDemandDiscovery onDemand() {
        return OnDemandDiscovery.NONE;
    }

    /**
     * Registers a target that the listener now being built waits for before it takes connections
     * (Envoy's listener init manager): a new listener is not listened on, a changed one keeps its
     * old filters, and the static ones hold the server INITIALIZING, until every target is ready.
     * Run the returned action once ready. Outside a listener's build there is nothing to wait for.
     */
    default Runnable initTarget(String name) {
        return root() == this ? ListenerInit.NOTHING_TO_WAIT : root().initTarget(name);
    }
}

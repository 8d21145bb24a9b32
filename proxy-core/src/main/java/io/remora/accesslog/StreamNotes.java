package io.remora.accesslog;

import io.remora.config.AccessLogType;
import io.remora.network.FilterState;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What filters and the connection manager note about a stream that most streams never need (a
 * trace, a virtual cluster, route stats, filter state, dynamic metadata, a rewritten path, failure
 * details, how its connections closed), kept in one {@link StreamInfoSeldom} made on first use. The base of {@link StreamInfo}
 * rather than an object of its own, so a stream's info stays one object.
 */
abstract class StreamNotes extends StreamRequestFacts {

    /** Null until some rarely set field is. */
    StreamInfoSeldom seldom;

    /** The event the access logs are being written for now: the stream's end unless set otherwise. */
    public AccessLogType accessLogType() {
        AccessLogType t = seldom == null ? null : seldom.accessLogType;
        return t == null ? AccessLogType.DOWNSTREAM_END : t;
    }

    public void accessLogType(AccessLogType t) {
        if (seldom != null || t != AccessLogType.DOWNSTREAM_END) {
            seldom().accessLogType = t;
        }
    }

    /** Traced because the service forced it (Envoy's trace reason ServiceForced), what traceable_filter tests. */
    public boolean traceForced() {
        return seldom != null && seldom.traceForced;
    }

    public void traceForced(boolean forced) {
        if (forced || seldom != null) {
            seldom().traceForced = forced;
        }
    }

    /**
     * The filter metadata of the route taken and of its virtual host, by namespace (null or empty
     * when they have none; most routes have none and cost nothing here).
     */
    public void routeMetadata(Map<String, Map<String, Object>> route, Map<String, Map<String, Object>> virtualHost) {
        boolean none = (route == null || route.isEmpty()) && (virtualHost == null || virtualHost.isEmpty());
        if (!none || seldom != null) {
            seldom().routeMetadata = route;
            seldom().virtualHostMetadata = virtualHost;
        }
    }

    StreamInfoSeldom seldom() {
        if (seldom == null) {
            seldom = new StreamInfoSeldom();
        }
        return seldom;
    }

    /** The path before any rewrite ({@code X-ENVOY-ORIGINAL-PATH}), null when not rewritten. */
    public String originalPath() {
        return seldom == null ? null : seldom.originalPath;
    }

    public void originalPath(String v) {
        if (v != null || seldom != null) {
            seldom().originalPath = v;
        }
    }

    /** A health check of this proxy, as the health_check filter recognised it (access logs' not_health_check_filter). */
    public boolean healthCheck() {
        return seldom != null && seldom.healthCheck;
    }

    public void healthCheck(boolean v) {
        if (v || seldom != null) {
            seldom().healthCheck = v;
        }
    }

    /** {@code %LOCAL_REPLY_BODY%}: the body of the reply this proxy made itself, or null. */
    public String localReplyBody() {
        return seldom == null ? null : seldom.localReplyBody;
    }

    public void localReplyBody(String v) {
        if (v != null || seldom != null) {
            seldom().localReplyBody = v;
        }
    }

    /** {@code %TRACE_ID%}: the trace id of the stream's span when the connection manager traces, or null. */
    public String traceId() {
        return seldom == null ? null : seldom.traceId;
    }

    public void traceId(String v) {
        if (v != null || seldom != null) {
            seldom().traceId = v;
        }
    }

    /** The id (hex) of the stream's own span when the connection manager traces, or null: the OpenTelemetry access log's span_id. */
    public String spanId() {
        return seldom == null ? null : seldom.spanId;
    }

    public void spanId(String v) {
        if (v != null || seldom != null) {
            seldom().spanId = v;
        }
    }

    /** The connection manager's span, for the router's spans per try; null when the stream is not traced. */
    public io.remora.tracing.UpstreamSpans upstreamSpans() {
        return seldom == null ? null : seldom.upstreamSpans;
    }

    public void upstreamSpans(io.remora.tracing.UpstreamSpans v) {
        if (v != null || seldom != null) {
            seldom().upstreamSpans = v;
        }
    }

    /** {@code %VIRTUAL_CLUSTER_NAME%}: the virtual cluster the request matched, or null. */
    public String virtualClusterName() {
        return seldom == null ? null : seldom.virtualClusterName;
    }

    public void virtualClusterName(String v) {
        if (v != null || seldom != null) {
            seldom().virtualClusterName = v;
        }
    }

    /**
     * The router's virtual cluster of this request: its name ({@code %VIRTUAL_CLUSTER_NAME%}; null
     * for Envoy's catch-all) and the stats the router charges. Set only for a virtual host with
     * virtual clusters, so other requests make no holder for it.
     */
    public void virtualCluster(String name, io.remora.stats.VirtualClusterStats stats) {
        StreamInfoSeldom x = seldom();
        x.virtualClusterName = name;
        x.virtualClusterStats = stats;
    }

    /** The stats of the request's virtual cluster (the catch-all's included), or null. */
    public io.remora.stats.VirtualClusterStats virtualClusterStats() {
        return seldom == null ? null : seldom.virtualClusterStats;
    }

    /**
     * The router's route stats of this request (null for a route without stat_prefix, which makes
     * no holder; a null clears what an earlier route of an internally redirected stream set).
     */
    public void routeStats(io.remora.stats.RouteStats stats) {
        if (stats != null || seldom != null) {
            seldom().routeStats = stats;
        }
    }

    /** The stats of the request's route ({@code vhost.<vh>.route.<stat_prefix>.*}), or null. */
    public io.remora.stats.RouteStats routeStats() {
        return seldom == null ? null : seldom.routeStats;
    }

    /** {@code %CONNECTION_TERMINATION_DETAILS%}, or null. */
    public String connectionTerminationDetails() {
        return seldom == null ? null : seldom.connectionTerminationDetails;
    }

    public void connectionTerminationDetails(String v) {
        if (v != null || seldom != null) {
            seldom().connectionTerminationDetails = v;
        }
    }

    /** {@code %UPSTREAM_TRANSPORT_FAILURE_REASON%}, or null. */
    public String upstreamTransportFailureReason() {
        return seldom == null ? null : seldom.upstreamTransportFailureReason;
    }

    public void upstreamTransportFailureReason(String v) {
        if (v != null || seldom != null) {
            seldom().upstreamTransportFailureReason = v;
        }
    }

    /** The upstream connection's filter state (its upstream network filters'), or null. */
    public FilterState upstreamFilterState() {
        return seldom == null ? null : seldom.upstreamFilterState;
    }

    public void upstreamFilterState(FilterState v) {
        if (v != null || seldom != null) {
            seldom().upstreamFilterState = v;
        }
    }

    /** Filter state (request-scoped, its parent the connection's); null when no filter used it. */
    public FilterState filterState() {
        return seldom == null ? null : seldom.filterState;
    }

    public void filterState(FilterState v) {
        if (v != null || seldom != null) {
            seldom().filterState = v;
        }
    }

    /** Sets {@code key} in the {@code namespace} of the dynamic metadata (Envoy's setDynamicMetadata). */
    public void setDynamicMetadata(String namespace, String key, Object value) {
        StreamInfoSeldom x = seldom();
        if (x.dynamicMetadata == null) {
            x.dynamicMetadata = new LinkedHashMap<>(2);
        }
        x.dynamicMetadata.computeIfAbsent(namespace, n -> new LinkedHashMap<>(4)).put(key, value);
    }

    /** Removes the whole {@code namespace} of the dynamic metadata. */
    public void clearDynamicMetadata(String namespace) {
        if (seldom != null && seldom.dynamicMetadata != null) {
            seldom.dynamicMetadata.remove(namespace);
        }
    }

    /** The dynamic metadata of one namespace (empty when none). */
    public Map<String, Object> dynamicMetadata(String namespace) {
        Map<String, Map<String, Object>> all = seldom == null ? null : seldom.dynamicMetadata;
        Map<String, Object> m = all == null ? null : all.get(namespace);
        return m == null ? Map.of() : m;
    }

    /** All namespaces (empty when none). */
    public Map<String, Map<String, Object>> dynamicMetadata() {
        Map<String, Map<String, Object>> all = seldom == null ? null : seldom.dynamicMetadata;
        return all == null ? Map.of() : all;
    }

    /**
     * The downstream connection closed ({@code type}, unless an earlier record said already, as a
     * reset seen before the close does) or this proxy is closing it for {@code localReason}
     * (Envoy's string, or null); nothing unless a format reads it.
     */
    public void downstreamClosed(ConnectionCloses.Type type, String localReason) {
        ConnectionCloses c = closes();
        if (c != null) {
            c.record(true, type, localReason);
        }
    }

    /** The upstream connection of the stream's try closed, as {@link #downstreamClosed}. */
    public void upstreamClosed(ConnectionCloses.Type type, String localReason) {
        ConnectionCloses c = closes();
        if (c != null) {
            c.record(false, type, localReason);
        }
    }

    /** A new try's upstream connection: nothing is known yet of how it closes. */
    public void clearUpstreamClose() {
        ConnectionCloses c = closesIfAny();
        if (c != null) {
            c.upstreamReason = null;
            c.upstreamType = null;
        }
    }

    /** The downstream close recorded so far, or null. */
    public ConnectionCloses.Type downstreamCloseType() {
        ConnectionCloses c = closesIfAny();
        return c == null ? null : c.downstreamType;
    }

    /** The reason this proxy gave for closing the downstream connection, or null. */
    public String downstreamLocalCloseReason() {
        ConnectionCloses c = closesIfAny();
        return c == null ? null : c.downstreamReason;
    }

    /** Whether the upstream side's close is recorded already (a reason or a type). */
    public boolean upstreamCloseRecorded() {
        ConnectionCloses c = closesIfAny();
        return c != null && (c.upstreamType != null || c.upstreamReason != null);
    }

    private ConnectionCloses closes() {
        if (!ConnectionCloses.wanted()) {
            return null;
        }
        StreamInfoSeldom x = seldom();
        if (x.closes == null) {
            x.closes = new ConnectionCloses();
        }
        return x.closes;
    }

    ConnectionCloses closesIfAny() {
        return seldom == null ? null : seldom.closes;
    }
}

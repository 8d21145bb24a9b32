package io.remora.accesslog;

import io.remora.config.AccessLogType;
import io.remora.network.FilterState;

import java.util.Map;

/**
 * The fields of a {@link StreamInfo} most streams leave null (a rewritten path, a trace, filter
 * state, metadata, failure details): one object for them when one is set, rather than a field
 * each in every stream's info.
 */
final class StreamInfoSeldom {
    String originalPath;
    String traceId;
    String spanId;
    io.remora.tracing.UpstreamSpans upstreamSpans;
    String virtualClusterName;
    io.remora.stats.VirtualClusterStats virtualClusterStats;
    io.remora.stats.RouteStats routeStats;
    String connectionTerminationDetails;
    String upstreamTransportFailureReason;
    /** The upstream cluster's alt_stat_name, when it has one (%UPSTREAM_CLUSTER%). */
    String upstreamClusterStatName;
    java.net.SocketAddress upstreamRemoteAddress;
    /** The endpoint id of the internal address the upstream host is (%UPSTREAM_REMOTE_ADDRESS_ENDPOINT_ID%). */
    String upstreamEndpointId;
    /** The socket's local address when a restored original destination replaced it. */
    java.net.SocketAddress downstreamDirectLocalAddress;
    FilterState upstreamFilterState;
    FilterState filterState;
    Map<String, Map<String, Object>> dynamicMetadata;
    boolean healthCheck;
    String localReplyBody;
    Map<String, Map<String, Object>> routeMetadata;
    Map<String, Map<String, Object>> virtualHostMetadata;
    Map<String, Map<String, Object>> listenerMetadata;
    AccessLogType accessLogType;
    boolean traceForced;
    boolean schemeMatchUpstream;
    /** Only once a format reads durations ({@link StreamTimings#wanted()}). */
    StreamTimings timings;
    /** Hosts and connections tried, once a stream tries a second time. */
    UpstreamAttempts attempts;
    /** Only once a format reads the byte meters ({@link WireBytes#wanted()}); shared with the stream's upstream logs. */
    WireBytes wireBytes;
    /** How the connections closed, once a format reads it ({@link ConnectionCloses#wanted()}). */
    ConnectionCloses closes;
    /** The info is a whole downstream connection's (tcp_proxy's, a listener log's), not an HTTP stream's. */
    boolean describesConnection;
    /** tcp_proxy's and udp_proxy's UUID stream id. */
    String connectionStreamId;
}

package io.remora.tracing;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.accesslog.StreamInfo;
import io.remora.config.Route;
import io.remora.config.TracingConfig;
import io.remora.http.filter.DecoderFilterCallbacks;

import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Envoy's span tags for an HTTP stream, in two halves as Envoy's tracer sets them: those the
 * request headers give when the span starts, and those only known as the stream ends (sizes,
 * upstream cluster, status, response flags, metadata). Apart from the filter, which decides
 * sampling and propagation: what a span says and whether it exists change for different reasons.
 */
final class SpanTags {

    private static final AsciiString REQUEST_ID = AsciiString.cached("x-request-id");
    private static final AsciiString CLIENT_TRACE_ID = AsciiString.cached("x-client-trace-id");
    private static final AsciiString FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    private static final AsciiString DOWNSTREAM_CLUSTER = AsciiString.cached("x-envoy-downstream-service-cluster");
    /** Envoy's default max_path_tag_length. */
    private static final int DEFAULT_MAX_PATH_TAG_LENGTH = 256;

    private SpanTags() {
    }

    /** The tags the request gives, literal and request-header custom tags included. */
    static Map<String, String> request(Http2Headers h, TracingConfig config, Route.Tracing routeTracing,
                                       DecoderFilterCallbacks decoder) {
        Map<String, String> tags = new LinkedHashMap<>();
        // Envoy's TracerImpl::startSpan: every span names the node and its zone, empty or not.
        io.remora.config.NodeInfo node = decoder.serverContext() == null ? null : decoder.serverContext().node();
        tags.put("node_id", node == null || node.id() == null ? "" : node.id());
        tags.put("zone", node == null || node.zone() == null ? "" : node.zone());
        CharSequence rid = h.get(REQUEST_ID);
        if (rid != null) {
            tags.put("guid:x-request-id", rid.toString());
        }
        tags.put("http.url", url(h, config));
        tags.put("http.method", h.method() == null ? "" : h.method().toString());
        CharSequence dc = h.get(DOWNSTREAM_CLUSTER);
        tags.put("downstream_cluster", dc == null ? "-" : dc.toString());
        CharSequence ua = h.get(HttpHeaderNames.USER_AGENT);
        tags.put("user_agent", ua == null ? "-" : ua.toString());
        tags.put("http.protocol", decoder.downstreamProtocol());
        String peer = peerAddress(decoder);
        if (peer != null) {
            tags.put("peer.address", peer);
        }
        CharSequence clientTraceId = h.get(CLIENT_TRACE_ID);
        if (clientTraceId != null) {
            tags.put("guid:x-client-trace-id", clientTraceId.toString());
        }
        GrpcSpanTags.request(h, tags);
        for (TracingConfig.CustomTag t : customTags(config, routeTracing)) {
            if (t instanceof TracingConfig.LiteralTag l) {
                putIfNotEmpty(tags, l.tag(), l.value());
            } else if (t instanceof TracingConfig.RequestHeaderTag r) {
                CharSequence v = h.get(AsciiString.of(r.header().toLowerCase(Locale.ROOT)));
                putIfNotEmpty(tags, r.tag(), v != null ? v.toString() : r.defaultValue());
            }
        }
        tags.put("component", "proxy");
        return tags;
    }

    /**
     * Envoy's buildOriginalUri: x-forwarded-proto (the connection manager has set it), the host,
     * and the path cut at max_path_tag_length (the path alone: scheme and host are never cut);
     * empty without a path.
     */
    private static String url(Http2Headers h, TracingConfig config) {
        CharSequence path = h.path();
        if (path == null) {
            return "";
        }
        int max = config.maxPathTagLength() > 0 ? config.maxPathTagLength() : DEFAULT_MAX_PATH_TAG_LENGTH;
        CharSequence proto = h.get(FORWARDED_PROTO);
        return (proto != null ? proto : h.scheme() == null ? "" : h.scheme()) + "://"
                + (h.authority() == null ? "" : h.authority())
                + (path.length() > max ? path.subSequence(0, max) : path);
    }

    /**
     * The request's tags joined by those known as the stream ends; {@code cluster} is the
     * upstream cluster, or the route's when no upstream was picked, null for neither.
     */
    static Map<String, String> finished(Map<String, String> requestTags, StreamInfo info, String cluster,
                                        DecoderFilterCallbacks decoder, TracingConfig config,
                                        Route.Tracing routeTracing) {
        Map<String, String> tags = new LinkedHashMap<>(requestTags);
        tags.put("request_size", Long.toString(info.bytesReceived));
        tags.put("response_size", Long.toString(info.bytesSent));
        if (cluster != null) {
            tags.put("upstream_cluster", cluster);
            tags.put("upstream_cluster.name", observabilityName(cluster, decoder));
        }
        // Metadata tags are read as the span ends, as Envoy's: filters and the upstream have set it by then.
        for (TracingConfig.CustomTag t : customTags(config, routeTracing)) {
            if (t instanceof TracingConfig.MetadataTag m) {
                String v = MetadataTagValue.of(info.metadata(m.source(), m.namespace(), m.path()));
                putIfNotEmpty(tags, m.tag(), v != null ? v : m.defaultValue());
            }
        }
        int code = info.responseCode;
        tags.put("http.status_code", Integer.toString(code));
        tags.put("response_flags", info.responseFlagsString());
        if (isError(code)) {
            tags.put("error", "true");
        }
        return tags;
    }

    /**
     * A try's span as Envoy's finalizeUpstreamSpan tags it: the upstream protocol, the host as
     * {@code upstream_address} and {@code peer.address}, the route's cluster, the try's status
     * and flags, {@code error} without a response or for a 5xx, and the custom tags (request headers
     * as sent upstream; a {@code request} metadata tag reads the try's own, empty, dynamic metadata).
     */
    static void upstream(Map<String, String> tags, UpstreamSpan s, StreamInfo info, TracingConfig config,
                         Route.Tracing routeTracing) {
        tags.put("http.protocol", s.protocol == null ? "-" : s.protocol);
        String host = io.remora.accesslog.AccessLogFormatter.address(s.host, true);
        if (host != null) {
            tags.put("upstream_address", host);
            tags.put("peer.address", host);
        }
        tags.put("component", "proxy");
        if (s.cluster != null) {
            tags.put("upstream_cluster", s.cluster);
            tags.put("upstream_cluster.name", s.observabilityName);
        }
        tags.put("http.status_code", Integer.toString(s.status));
        StringBuilder flags = new StringBuilder();
        for (io.remora.accesslog.ResponseFlag f : s.flags) {
            flags.append(flags.length() > 0 ? "," : "").append(f.code);
        }
        tags.put("response_flags", flags.length() == 0 ? "-" : flags.toString());
        if (isError(s.status)) {
            tags.put("error", "true");
        }
        for (TracingConfig.CustomTag t : customTags(config, routeTracing)) {
            if (t instanceof TracingConfig.LiteralTag l) {
                putIfNotEmpty(tags, l.tag(), l.value());
            } else if (t instanceof TracingConfig.RequestHeaderTag r && s.headers != null) {
                CharSequence v = s.headers.get(AsciiString.of(r.header().toLowerCase(Locale.ROOT)));
                putIfNotEmpty(tags, r.tag(), v != null ? v.toString() : r.defaultValue());
            } else if (t instanceof TracingConfig.MetadataTag m) {
                Object v = m.source() == io.remora.config.MetadataSource.DYNAMIC || info == null ? null
                        : info.metadata(m.source(), m.namespace(), m.path());
                String text = MetadataTagValue.of(v);
                putIfNotEmpty(tags, m.tag(), text != null ? text : m.defaultValue());
            }
        }
    }

    /** Envoy's ClusterInfo::observabilityName: the cluster's alt_stat_name when it has one. */
    private static String observabilityName(String cluster, DecoderFilterCallbacks decoder) {
        io.remora.upstream.Cluster c = decoder.serverContext() == null || decoder.serverContext().clusterManager() == null
                ? null : decoder.serverContext().clusterManager().get(cluster);
        String alt = c == null || c.config() == null ? null : c.config().altStatName();
        return alt == null || alt.isEmpty() ? cluster : alt;
    }

    /** No response at all, or a 5xx, marks the span an error, as Envoy's. */
    private static boolean isError(int responseCode) {
        return responseCode == 0 || responseCode >= 500;
    }

    /**
     * The connection manager's custom tags, joined by the route's: as Envoy's map of both, a
     * route's tag replaces the connection manager's of the same name.
     */
    private static List<TracingConfig.CustomTag> customTags(TracingConfig config, Route.Tracing routeTracing) {
        if (routeTracing == null || routeTracing.customTags().isEmpty()) {
            return config.customTags();
        }
        Map<String, TracingConfig.CustomTag> byName = new LinkedHashMap<>();
        config.customTags().forEach(t -> byName.put(t.tag(), t));
        routeTracing.customTags().forEach(t -> byName.put(t.tag(), t));
        return List.copyOf(byName.values());
    }

    private static void putIfNotEmpty(Map<String, String> tags, String tag, String value) {
        if (value != null && !value.isEmpty()) {
            tags.put(tag, value);
        }
    }

    /**
     * Envoy's {@code peer.address} of a downstream span: the direct remote address as Envoy prints
     * it ({@code 10.0.0.1:5000}, {@code [::1]:5000}); a Unix socket's peer has no name of its own,
     * so Envoy names it by the socket's path (its local address; {@code @name} when abstract).
     */
    static String peerAddress(DecoderFilterCallbacks decoder) {
        StreamInfo info = decoder.streamInfo();
        java.net.SocketAddress remote = info == null ? null
                : info.downstreamDirectRemoteAddress != null ? info.downstreamDirectRemoteAddress : info.downstreamRemoteAddress;
        if (remote == null && decoder.connection() != null) {
            remote = decoder.connection().remoteAddress();
        }
        if (remote instanceof InetSocketAddress) {
            return io.remora.accesslog.AccessLogFormatter.address(remote, true);
        }
        if (remote instanceof io.netty.channel.unix.DomainSocketAddress) {
            java.net.SocketAddress local = decoder.connection() == null ? null : decoder.connection().localAddress();
            String path = local instanceof io.netty.channel.unix.DomainSocketAddress d ? d.path()
                    : ((io.netty.channel.unix.DomainSocketAddress) remote).path();
            return path.startsWith("\0") ? "@" + path.substring(1) : path;
        }
        return null;
    }
}

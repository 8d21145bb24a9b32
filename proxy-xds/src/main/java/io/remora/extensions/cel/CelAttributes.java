package io.remora.extensions.cel;

import com.google.common.primitives.UnsignedLong;
import com.google.protobuf.ByteString;
import dev.cel.runtime.CelVariableResolver;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.AccessLogFormatter;
import io.remora.accesslog.StreamInfo;
import io.remora.config.NodeInfo;
import io.remora.network.FilterState;
import io.remora.rbac.RbacInput;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Envoy's attributes (request, response, source, destination, connection, upstream, metadata,
 * filter_state, xds) over one stream's {@link StreamInfo}, or over an RBAC check's
 * {@link RbacInput} (which may have no stream info: a network RBAC check). Made per evaluation;
 * each root is a map whose values are read only when an expression selects them.
 */
public final class CelAttributes implements CelVariableResolver {

    private static final List<String> REQUEST = List.of("path", "url_path", "host", "scheme", "method", "headers",
            "referer", "useragent", "time", "id", "protocol", "query", "duration", "size", "total_size");
    private static final List<String> RESPONSE = List.of("code", "code_details", "flags", "grpc_status", "headers",
            "trailers", "size", "total_size", "backend_latency");
    private static final List<String> ADDRESS = List.of("address", "port");
    private static final List<String> XDS = List.of("node", "cluster_name", "cluster_metadata", "route_name",
            "filter_chain_name", "upstream_host_metadata");

    private final StreamInfo info;
    private final RbacInput rbac;
    private final NodeInfo node;
    private final CelVariableResolver extra;
    /** The response headers a filter is processing, before the stream info has them; or null. */
    private final Http2Headers pendingResponseHeaders;

    /**
     * @param info  the stream's info, or null (a connection's RBAC check)
     * @param rbac  the RBAC check's input, which then supplies headers, addresses and state, or null
     * @param node  this proxy's node ({@code xds.node}), or null when not known here
     * @param extra further roots (Istio's peers), or null
     */
    public CelAttributes(StreamInfo info, RbacInput rbac, NodeInfo node, CelVariableResolver extra) {
        this.info = info;
        this.rbac = rbac;
        this.node = node;
        this.extra = extra;
        this.pendingResponseHeaders = null;
    }

    /**
     * The attributes an HTTP filter sees while it processes {@code responseHeaders} (null before
     * the response): Envoy's activation takes the headers in hand, not those already sent.
     */
    public CelAttributes(StreamInfo info, NodeInfo node, Http2Headers responseHeaders) {
        this.info = info;
        this.rbac = null;
        this.node = node;
        this.extra = null;
        this.pendingResponseHeaders = responseHeaders;
    }

    private Http2Headers responseHeaders() {
        return pendingResponseHeaders != null ? pendingResponseHeaders : info.responseHeaders;
    }

    @Override
    public Optional<Object> find(String name) {
        Object root = switch (name) {
            case "request" -> new AttributeMap(REQUEST, this::request);
            case "response" -> info == null ? null : new AttributeMap(RESPONSE, this::response);
            case "source" -> new AttributeMap(ADDRESS, k -> address(sourceAddress(), k));
            case "destination" -> new AttributeMap(ADDRESS, k -> address(destinationAddress(), k));
            case "connection" -> new AttributeMap(TlsAttributes.CONNECTION_KEYS, this::connection);
            case "upstream" -> info == null ? null : new AttributeMap(TlsAttributes.UPSTREAM_KEYS, this::upstream);
            case "metadata" -> Map.of("filter_metadata", dynamicMetadata());
            case "filter_state" -> new AttributeMap(List.of(), this::filterState);
            case "xds" -> new AttributeMap(XDS, this::xds);
            default -> null;
        };
        if (root == null && extra != null) {
            return extra.find(name);
        }
        return Optional.ofNullable(root);
    }

    private Http2Headers requestHeaders() {
        return rbac != null ? rbac.headers() : info.requestHeaders;
    }

    private Object request(String key) {
        Http2Headers h = requestHeaders();
        return switch (key) {
            case "path" -> path(h);
            case "url_path" -> {
                String p = path(h);
                int q = p == null ? -1 : p.indexOf('?');
                yield q < 0 ? p : p.substring(0, q);
            }
            case "query" -> {
                String p = path(h);
                int q = p == null ? -1 : p.indexOf('?');
                yield p == null ? null : q < 0 ? "" : p.substring(q + 1);
            }
            case "host" -> h != null && h.authority() != null ? h.authority().toString()
                    : info == null ? null : info.authority();
            case "scheme" -> h == null || h.scheme() == null ? null : h.scheme().toString();
            case "method" -> h != null && h.method() != null ? h.method().toString()
                    : info == null ? null : info.method();
            case "headers" -> h == null ? null : new HeadersView(h);
            case "referer" -> header(h, "referer");
            case "useragent" -> header(h, "user-agent");
            case "id" -> header(h, "x-request-id");
            case "time" -> info == null ? null : java.time.Instant.ofEpochMilli(info.startMillis);
            case "protocol" -> info == null ? null : info.protocol;
            case "duration" -> info == null || info.durationNanos < 0 ? null
                    : java.time.Duration.ofNanos(info.durationNanos);
            case "size" -> {
                String length = header(h, "content-length");
                if (length != null) {
                    try {
                        yield Long.parseLong(length);
                    } catch (NumberFormatException e) {
                        // not a number: the bytes received instead, as Envoy falls back
                    }
                }
                yield info == null ? null : info.bytesReceived;
            }
            case "total_size" -> info == null ? null : info.bytesReceived + HeadersView.byteSize(h);
            default -> null;
        };
    }

    private Object response(String key) {
        return switch (key) {
            case "code" -> info.responseCode > 0 ? (Object) (long) info.responseCode : null;
            case "code_details" -> info.responseCodeDetails;
            case "flags" -> UnsignedLong.fromLongBits(ResponseFlagBits.of(info));
            case "grpc_status" -> {
                long s = io.remora.accesslog.GrpcStatusField.ofResponse(info, false);
                yield s == io.remora.accesslog.GrpcStatusField.NONE ? null : s;
            }
            case "headers" -> responseHeaders() == null ? null : new HeadersView(responseHeaders());
            case "trailers" -> info.responseTrailers == null ? null : new HeadersView(info.responseTrailers);
            case "size" -> info.bytesSent;
            case "total_size" -> info.bytesSent + HeadersView.byteSize(responseHeaders())
                    + HeadersView.byteSize(info.responseTrailers);
            case "backend_latency" -> info.upstreamServiceTimeNanos < 0 ? null
                    : java.time.Duration.ofNanos(info.upstreamServiceTimeNanos);
            default -> null;
        };
    }

    private Object connection(String key) {
        return switch (key) {
            case "id" -> info == null || info.connectionId < 0 ? null : UnsignedLong.fromLongBits(info.connectionId);
            case "requested_server_name" -> rbac != null ? rbac.requestedServerName()
                    : info.requestedServerName() == null ? "" : info.requestedServerName();
            case "termination_details" -> info == null ? null : info.connectionTerminationDetails();
            default -> info != null ? TlsAttributes.of(info.downstreamTls(), key, true)
                    : TlsAttributes.of(rbac.peerIdentity(), key);
        };
    }

    private Object upstream(String key) {
        return switch (key) {
            case "address" -> AccessLogFormatter.address(info.upstreamHost, true);
            case "port" -> port(info.upstreamHost);
            case "local_address" -> AccessLogFormatter.address(info.upstreamLocalAddress, true);
            case "transport_failure_reason" -> info.upstreamTransportFailureReason();
            case "request_attempt_count" -> info.attemptCount > 0 ? (Object) (long) info.attemptCount : null;
            default -> TlsAttributes.of(info.upstreamTls, key, false);
        };
    }

    private Object xds(String key) {
        return switch (key) {
            case "node" -> node == null ? null : node(node);
            case "cluster_name" -> info == null ? null : info.upstreamCluster;
            case "cluster_metadata" -> info == null || info.upstreamClusterMetadata == null ? null
                    : Map.of("filter_metadata", info.upstreamClusterMetadata);
            case "route_name" -> info == null ? null : info.routeName;
            case "filter_chain_name" -> info == null ? null : info.filterChainName();
            case "upstream_host_metadata" -> info == null || info.upstreamHostMetadata == null ? null
                    : Map.of("filter_metadata", new AttributeMap(List.of(), ns -> {
                        Map<String, Object> m = info.upstreamHostMetadata.apply(ns);
                        return m == null || m.isEmpty() ? null : m;
                    }));
            default -> null;
        };
    }

    private Map<String, Map<String, Object>> dynamicMetadata() {
        return rbac != null ? rbac.dynamicMetadata() : info.dynamicMetadata();
    }

    /**
     * A filter state object: its fields when it has them ({@link CelFields}), a String as it is,
     * anything else as the bytes of its text form (Envoy's serializeAsString).
     */
    private Object filterState(String key) {
        FilterState state = rbac != null ? rbac.filterState() : info.filterState();
        Object v = state == null ? null : state.get(key);
        if (v == null || v instanceof String) {
            return v;
        }
        if (v instanceof CelFields f) {
            return f.celFields();
        }
        return ByteString.copyFromUtf8(v.toString());
    }

    private SocketAddress sourceAddress() {
        return rbac != null ? rbac.remoteAddress() : info.downstreamRemoteAddress;
    }

    private SocketAddress destinationAddress() {
        return rbac != null ? rbac.localAddress() : info.downstreamLocalAddress;
    }

    private static Object address(SocketAddress a, String key) {
        return switch (key) {
            case "address" -> AccessLogFormatter.address(a, true);
            case "port" -> port(a);
            default -> null;
        };
    }

    private static Object port(SocketAddress a) {
        return a instanceof InetSocketAddress in ? (Object) (long) in.getPort() : null;
    }

    private static String path(Http2Headers h) {
        return h == null || h.path() == null ? null : h.path().toString();
    }

    private static String header(Http2Headers h, String name) {
        CharSequence v = h == null ? null : h.get(name);
        return v == null ? null : v.toString();
    }

    /** {@code xds.node}: the node as Envoy's Node message reads in CEL. */
    private static Map<String, Object> node(NodeInfo n) {
        return Map.of("id", text(n.id()), "cluster", text(n.cluster()),
                "metadata", n.metadata() == null ? Map.of() : n.metadata(),
                "locality", Map.of("region", text(n.region()), "zone", text(n.zone()), "sub_zone", text(n.subZone())));
    }

    private static String text(String s) {
        return s == null ? "" : s;
    }
}

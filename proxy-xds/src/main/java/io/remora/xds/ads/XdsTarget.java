package io.remora.xds.ads;

import java.util.List;
import java.util.Map;

/**
 * Where the control plane listens: a TCP host and port, or a Unix domain socket path (Istio's ./etc/istio/proxy/XDS);
 * and how its gRPC service is reached: the longest response message taken from it
 * ({@code envoy_grpc.max_receive_message_length}; 0: no limit, as Envoy's default), the TLS (null: plaintext), the
 * service's {@code initial_metadata} sent on every stream, and the stream's reconnect back-off
 * ({@code envoy_grpc.retry_policy.retry_back_off}; null: the client's default); for an {@code envoy_grpc}
 * service, its static cluster's TLS transport socket ({@code clusterTls}; null: plaintext), the names its
 * handshake is made for ({@code clusterNames}: auto_sni's SNI, auto_san_validation's SAN; null: the socket's
 * own), and the stream's :authority ({@code authority}: the envoy_grpc authority, else the cluster's name, as
 * Envoy's gRPC client sends; null: gRPC's own, the target); and the envoy_grpc service's cluster ({@code cluster}),
 * whose own hosts the streams go to when the client has the cluster manager (null: a google_grpc target).
 * Two sources at one address that differ in any of these get channels of their own.
 */
public record XdsTarget(String host, int port, String udsPath, int maxReceiveMessageLength, XdsTls tls,
                        List<Map.Entry<String, String>> initialMetadata, BackOff backoff,
                        io.remora.config.TransportSocketConfig clusterTls,
                        io.remora.upstream.UpstreamTlsNames clusterNames, String authority, String cluster) {

    /** The jittered exponential back-off between stream attempts, in milliseconds. */
    public record BackOff(long baseMillis, long maxMillis) {
    }

    public XdsTarget {
        initialMetadata = List.copyOf(initialMetadata);
    }

    public static XdsTarget tcp(String host, int port) {
        return new XdsTarget(host, port, null, 0, null, List.of(), null, null, null, null, null);
    }

    public static XdsTarget uds(String path) {
        return new XdsTarget(null, 0, path, 0, null, List.of(), null, null, null, null, null);
    }

    /** The same address with this receive limit. */
    public XdsTarget withMaxReceiveMessageLength(int limit) {
        return new XdsTarget(host, port, udsPath, limit, tls, initialMetadata, backoff, clusterTls, clusterNames,
                authority, cluster);
    }

    /** The same address over TLS (google_grpc ssl_credentials); null: plaintext. */
    XdsTarget withTls(XdsTls t) {
        return new XdsTarget(host, port, udsPath, maxReceiveMessageLength, t, initialMetadata, backoff, clusterTls,
                clusterNames, authority, cluster);
    }

    /** The same address, sending {@code metadata} (lower-case keys) on every stream. */
    XdsTarget withInitialMetadata(List<Map.Entry<String, String>> metadata) {
        return new XdsTarget(host, port, udsPath, maxReceiveMessageLength, tls, metadata, backoff, clusterTls,
                clusterNames, authority, cluster);
    }

    /** The same address, its streams reconnecting after {@code b} (null: the client's default). */
    XdsTarget withBackOff(BackOff b) {
        return new XdsTarget(host, port, udsPath, maxReceiveMessageLength, tls, initialMetadata, b, clusterTls,
                clusterNames, authority, cluster);
    }

    /** The same address over its static cluster's TLS (an {@code envoy_grpc} service; null: plaintext) made for {@code names}. */
    XdsTarget withClusterTls(io.remora.config.TransportSocketConfig t, io.remora.upstream.UpstreamTlsNames names) {
        return new XdsTarget(host, port, udsPath, maxReceiveMessageLength, tls, initialMetadata, backoff, t, names,
                authority, cluster);
    }

    /** The same address, its streams sending this :authority (null: gRPC's own). */
    XdsTarget withAuthority(String a) {
        return new XdsTarget(host, port, udsPath, maxReceiveMessageLength, tls, initialMetadata, backoff, clusterTls,
                clusterNames, a, cluster);
    }

    /** The same address, an envoy_grpc service of the cluster {@code name}. */
    XdsTarget withCluster(String name) {
        return new XdsTarget(host, port, udsPath, maxReceiveMessageLength, tls, initialMetadata, backoff, clusterTls,
                clusterNames, authority, name);
    }

    /** A gRPC target URI as in google_grpc.target_uri: {@code host:port}, {@code dns:///host:port} or {@code unix:path}. */
    public static XdsTarget parse(String uri) {
        if (uri.startsWith("unix://")) {
            return uds(uri.substring("unix://".length()));
        }
        if (uri.startsWith("unix:")) {
            return uds(uri.substring("unix:".length()));
        }
        String s = uri.startsWith("dns:///") ? uri.substring("dns:///".length()) : uri;
        int colon = s.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("xDS target without a port: " + uri);
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return tcp(host, Integer.parseInt(s.substring(colon + 1)));
    }

    public boolean isUds() {
        return udsPath != null;
    }

    @Override
    public String toString() {
        return isUds() ? "unix:" + udsPath : host + ":" + port;
    }
}

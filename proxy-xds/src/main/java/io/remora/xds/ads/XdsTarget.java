package io.remora.xds.ads;

/**
 * Where the control plane listens: a TCP host and port, or a Unix domain socket path (Istio's ./etc/istio/proxy/XDS);
 * and the longest response message taken from it ({@code envoy_grpc.max_receive_message_length}; 0: no limit, as
 * Envoy's default) and the TLS it is reached over (null: plaintext); two sources at one address that differ in
 * either get channels of their own.
 */
public record XdsTarget(String host, int port, String udsPath, int maxReceiveMessageLength, XdsTls tls) {
    public static XdsTarget tcp(String host, int port) {
        return new XdsTarget(host, port, null, 0, null);
    }

    public static XdsTarget uds(String path) {
        return new XdsTarget(null, 0, path, 0, null);
    }

    /** The same address with this receive limit. */
    public XdsTarget withMaxReceiveMessageLength(int limit) {
        return new XdsTarget(host, port, udsPath, limit, tls);
    }

    /** The same address over TLS (google_grpc ssl_credentials); null: plaintext. */
    XdsTarget withTls(XdsTls t) {
        return new XdsTarget(host, port, udsPath, maxReceiveMessageLength, t);
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

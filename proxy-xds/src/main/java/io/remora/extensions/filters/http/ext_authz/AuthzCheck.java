package io.remora.extensions.filters.http.ext_authz;

import java.net.SocketAddress;
import java.util.List;
import java.util.Map;

/**
 * What the authorization service is asked about one request (the protobuf-free half of Envoy's
 * {@code CheckRequest}): the downstream peer and destination, the request line and headers
 * (pseudo-headers included, lower-case names, repeated headers joined with ','), and the
 * buffered body if configured. Built with {@link #builder(SocketAddress, SocketAddress)}; a
 * connection (the network filter) sets no request fields.
 *
 * @param headers              in request order
 * @param body                 the buffered body, or null when none is sent
 * @param size                 the request body's bytes received so far (Envoy's bytesReceived), or -1
 * @param sourcePrincipal      the peer's principal over TLS ({@link AuthzPeers}), else ""
 * @param destinationPrincipal this proxy's own principal over TLS, else ""
 * @param sourceService        the request's x-envoy-downstream-service-cluster, else ""
 * @param destinationService   the connection's SNI for the network filter, else ""
 * @param destinationLabels    {@code bootstrap_metadata_labels_key}'s labels of this proxy's node
 * @param peerCertificate      {@code include_peer_certificate}: the peer's leaf as URL-encoded PEM, else ""
 * @param tlsSession           {@code include_tls_session} on a TLS connection: its SNI ("" when none);
 *                             null: no {@code tls_session}
 * @param routeMetadataContext {@code route_metadata_context_namespaces} present on the route
 * @param streamInfo           the request's stream info, which the HTTP service's headers_to_add
 *                             format; null for a connection
 */
public record AuthzCheck(SocketAddress source, SocketAddress destination, String sourcePrincipal,
                         String destinationPrincipal, String sourceService, String destinationService,
                         Map<String, String> destinationLabels,
                         String method, String path, String host, String scheme, String protocol, String requestId,
                         List<Map.Entry<String, String>> headers, byte[] body, long size,
                         Map<String, String> contextExtensions, Map<String, Map<String, Object>> metadataContext,
                         String peerCertificate, String tlsSession,
                         Map<String, Map<String, Object>> routeMetadataContext,
                         io.remora.accesslog.StreamInfo streamInfo) {

    public static Builder builder(SocketAddress source, SocketAddress destination) {
        return new Builder(source, destination);
    }

    /** Defaults: no principal, no request, no extensions or metadata, no certificate or TLS session. */
    public static final class Builder {
        private final SocketAddress source;
        private final SocketAddress destination;
        private String sourcePrincipal = "";
        private String destinationPrincipal = "";
        private String sourceService = "";
        private String destinationService = "";
        private Map<String, String> destinationLabels = Map.of();
        private String method;
        private String path;
        private String host;
        private String scheme;
        private String protocol;
        private String requestId;
        private List<Map.Entry<String, String>> headers = List.of();
        private byte[] body;
        private long size = -1;
        private Map<String, String> contextExtensions = Map.of();
        private Map<String, Map<String, Object>> metadataContext = Map.of();
        private String peerCertificate = "";
        private String tlsSession;
        private Map<String, Map<String, Object>> routeMetadataContext = Map.of();
        private io.remora.accesslog.StreamInfo streamInfo;

        private Builder(SocketAddress source, SocketAddress destination) {
            this.source = source;
            this.destination = destination;
        }

        public Builder sourcePrincipal(String v) {
            sourcePrincipal = v;
            return this;
        }

        public Builder destinationPrincipal(String v) {
            destinationPrincipal = v;
            return this;
        }

        /** The services Envoy names: the source's from a request header, the destination's the SNI (network). */
        public Builder services(String source, String destination) {
            sourceService = source;
            destinationService = destination;
            return this;
        }

        public Builder destinationLabels(Map<String, String> v) {
            destinationLabels = v;
            return this;
        }

        /** The request line: method, path, host, scheme, protocol and x-request-id. */
        public Builder request(String method, String path, String host, String scheme, String protocol,
                               String requestId) {
            this.method = method;
            this.path = path;
            this.host = host;
            this.scheme = scheme;
            this.protocol = protocol;
            this.requestId = requestId;
            return this;
        }

        public Builder headers(List<Map.Entry<String, String>> v) {
            headers = v;
            return this;
        }

        public Builder body(byte[] v, long bytesReceived) {
            body = v;
            size = bytesReceived;
            return this;
        }

        public Builder contextExtensions(Map<String, String> v) {
            contextExtensions = v;
            return this;
        }

        public Builder metadataContext(Map<String, Map<String, Object>> v) {
            metadataContext = v;
            return this;
        }

        public Builder peerCertificate(String v) {
            peerCertificate = v == null ? "" : v;
            return this;
        }

        public Builder tlsSession(String sni) {
            tlsSession = sni;
            return this;
        }

        public Builder routeMetadataContext(Map<String, Map<String, Object>> v) {
            routeMetadataContext = v;
            return this;
        }

        public Builder streamInfo(io.remora.accesslog.StreamInfo v) {
            streamInfo = v;
            return this;
        }

        public AuthzCheck build() {
            return new AuthzCheck(source, destination, sourcePrincipal, destinationPrincipal, sourceService,
                    destinationService, destinationLabels, method, path, host, scheme, protocol,
                    requestId, headers, body, size, contextExtensions, metadataContext, peerCertificate, tlsSession,
                    routeMetadataContext, streamInfo);
        }
    }
}

package io.remora.extensions.filters.http.ext_authz;

import java.net.SocketAddress;
import java.util.List;
import java.util.Map;

/**
 * What the authorization service is asked about one request (the protobuf-free half of Envoy's
 * {@code CheckRequest}): the downstream peer and destination, the request line and headers
 * (pseudo-headers included, lower-case names, repeated headers joined with ','), and the
 * buffered body if configured.
 *
 * @param headers            in request order
 * @param body               the buffered body, or null when none is sent
 * @param size               the request's content-length, or -1 when unknown
 * @param sourcePrincipal    the peer's URI SAN (or subject) over TLS, else ""
 */
public record AuthzCheck(SocketAddress source, SocketAddress destination, String sourcePrincipal,
                         String method, String path, String host, String scheme, String protocol, String requestId,
                         List<Map.Entry<String, String>> headers, byte[] body, long size,
                         Map<String, String> contextExtensions, Map<String, Map<String, Object>> metadataContext) {
}

package io.remora.extensions.filters.http.ext_authz;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.StringMatcher;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.tls.TlsConnection;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the ext_authz filter asks about one stream (Envoy's CheckRequestUtils::createHttpCheck):
 * the request's headers as allowed_headers and disallowed_headers let them through, its buffered
 * body, the peer's identity and TLS, the dynamic and route metadata asked for. Apart from the
 * filter, whose job is the stream's state around the call.
 */
final class StreamAuthzCheck {
    private static final String PARTIAL_BODY = "x-envoy-auth-partial-body";
    private static final String DOWNSTREAM_SERVICE_CLUSTER = "x-envoy-downstream-service-cluster";

    private StreamAuthzCheck() {
    }

    static AuthzCheck of(ExtAuthzConfig config, DecoderFilterCallbacks cb, Http2Headers requestHeaders,
                         ByteArrayOutputStream body, boolean partial, Map<String, String> contextExtensions) {
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        Map<String, Integer> index = new HashMap<>();
        for (Map.Entry<CharSequence, CharSequence> e : requestHeaders) {
            String k = e.getKey().toString().toLowerCase(Locale.ROOT);
            // As Envoy: a client's own partial-body header would pass for the proxy's.
            if (k.equals(PARTIAL_BODY)) {
                continue;
            }
            if (config.allowedHeaders() != null && !any(config.allowedHeaders(), k)
                    || any(config.disallowedHeaders(), k)) {
                continue;
            }
            Integer at = index.get(k);
            if (at != null) {
                headers.set(at, Map.entry(k, headers.get(at).getValue() + "," + e.getValue()));
            } else {
                index.put(k, headers.size());
                headers.add(Map.entry(k, e.getValue().toString()));
            }
        }
        byte[] bytes = null;
        if (body != null) {
            bytes = body.toByteArray();
            headers.add(Map.entry(PARTIAL_BODY, Boolean.toString(partial)));
        }
        // Envoy's size is what the stream received so far, not what content-length announces.
        long size = cb.streamInfo().bytesReceived;
        Map<String, Map<String, Object>> metadata = new LinkedHashMap<>();
        for (String ns : config.metadataContextNamespaces()) {
            // Envoy takes a namespace from the request's metadata, else from the connection's.
            Map<String, Object> m = cb.streamInfo().dynamicMetadata(ns);
            if (m == null || m.isEmpty()) {
                m = cb.connectionDynamicMetadata().get(ns);
            }
            if (m != null && !m.isEmpty()) {
                metadata.put(ns, m);
            }
        }
        CharSequence scheme = requestHeaders.scheme();
        CharSequence rid = requestHeaders.get("x-request-id");
        AuthzCheck.Builder b = AuthzCheck.builder(cb.connection().remoteAddress(),
                        cb.streamInfo().downstreamLocalAddress)
                .sourcePrincipal(AuthzPeers.source(cb.connection(), cb.filterState()))
                .destinationPrincipal(AuthzPeers.destination(cb.connection()))
                .destinationLabels(AuthzPeers.destinationLabels(cb.serverContext(), config.bootstrapMetadataLabelsKey()))
                .services(str(requestHeaders.get(DOWNSTREAM_SERVICE_CLUSTER)), "")
                .request(str(requestHeaders.method()), str(requestHeaders.path()), str(requestHeaders.authority()),
                        scheme == null ? "http" : scheme.toString(), cb.downstreamProtocol(), str(rid))
                .headers(headers).body(bytes, size).contextExtensions(contextExtensions).metadataContext(metadata)
                .routeMetadataContext(routeMetadata(config, cb)).streamInfo(cb.streamInfo());
        TlsConnection tls = cb.connection().tls();
        if (tls != null && tls.established() && config.includePeerCertificate()) {
            b.peerCertificate(tls.peerCertificatePemUrlEncoded());
        }
        if (config.includeTlsSession()) {
            b.tlsSession(AuthzPeers.tlsSessionSni(cb.connection()));
        }
        return b.build();
    }

    /** The route's filter_metadata under route_metadata_context_namespaces, as Envoy sends it. */
    private static Map<String, Map<String, Object>> routeMetadata(ExtAuthzConfig config, DecoderFilterCallbacks cb) {
        if (config.routeMetadataContextNamespaces().isEmpty() || cb.route() == null) {
            return Map.of();
        }
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        for (String ns : config.routeMetadataContextNamespaces()) {
            Map<String, Object> m = cb.route().route().metadata().get(ns);
            if (m != null) {
                out.put(ns, m);
            }
        }
        return out;
    }

    private static String str(CharSequence s) {
        return s == null ? "" : s.toString();
    }

    private static boolean any(List<StringMatcher> ms, String name) {
        for (StringMatcher m : ms) {
            if (m.matches(name)) {
                return true;
            }
        }
        return false;
    }
}

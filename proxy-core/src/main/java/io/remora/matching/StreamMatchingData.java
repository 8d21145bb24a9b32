package io.remora.matching;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.MatchInput;
import io.remora.http.filter.StreamFilterCallbacks;
import io.remora.rbac.PeerIdentity;
import io.remora.rbac.RbacInput;
import io.remora.rbac.RbacMatcher;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * One HTTP stream as a matcher's input (Envoy's {@code HttpMatchingDataImpl}): request headers,
 * request trailers, response headers and response trailers are available from the moment the
 * stream's owner hands them over (before that a matcher needing them cannot decide yet), the
 * connection inputs always, the peer certificate's only on TLS. Source is the downstream remote
 * address the connection manager settled on (x-forwarded-for aware), as Envoy's stream address
 * provider gives it. Event-loop confined, like the stream.
 */
public final class StreamMatchingData implements MatchingData {

    private final StreamFilterCallbacks cb;
    private Http2Headers requestHeaders;
    private Http2Headers requestTrailers;
    private Http2Headers responseHeaders;
    private Http2Headers responseTrailers;

    public StreamMatchingData(StreamFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    public void onRequestHeaders(Http2Headers h) {
        requestHeaders = h;
    }

    public void onRequestTrailers(Http2Headers h) {
        requestTrailers = h;
    }

    public void onResponseHeaders(Http2Headers h) {
        responseHeaders = h;
    }

    public void onResponseTrailers(Http2Headers h) {
        responseTrailers = h;
    }

    /** The request headers: handed over, or (to an encoder that never saw them) the stream's. */
    private Http2Headers request() {
        return requestHeaders != null ? requestHeaders : cb.requestHeaders();
    }

    @Override
    public boolean available(MatchInput input) {
        return switch (input.kind()) {
            case REQUEST_HEADER, REQUEST_QUERY_PARAM -> request() != null;
            case REQUEST_TRAILER -> requestTrailers != null;
            case RESPONSE_HEADER, RESPONSE_STATUS_CODE, RESPONSE_STATUS_CODE_CLASS -> responseHeaders != null;
            case RESPONSE_TRAILER -> responseTrailers != null;
            case URI_SAN, DNS_SAN, SUBJECT -> peer() != null;
            default -> true;
        };
    }

    @Override
    public String value(MatchInput input) {
        return switch (input.kind()) {
            case REQUEST_HEADER -> MatchingData.header(request(), input.key());
            case REQUEST_QUERY_PARAM -> queryParam(request().path(), input.key());
            case REQUEST_TRAILER -> MatchingData.header(requestTrailers, input.key());
            case RESPONSE_HEADER -> MatchingData.header(responseHeaders, input.key());
            case RESPONSE_TRAILER -> MatchingData.header(responseTrailers, input.key());
            case RESPONSE_STATUS_CODE -> responseHeaders.status() == null ? null : responseHeaders.status().toString();
            case RESPONSE_STATUS_CODE_CLASS -> statusClass(responseHeaders.status());
            case DESTINATION_IP, SOURCE_IP, DIRECT_SOURCE_IP -> MatchingData.address(address(input));
            case DESTINATION_PORT -> MatchingData.port(local());
            case SOURCE_PORT -> MatchingData.port(remote());
            case SERVER_NAME -> MatchingData.emptyToNull(RbacInput.serverNameOf(cb.connection()));
            case URI_SAN -> MatchingData.joined(peer().uriSans());
            case DNS_SAN -> MatchingData.joined(peer().dnsSans());
            case SUBJECT -> MatchingData.emptyToNull(peer().subject());
            case FILTER_STATE -> cb.filterState() == null ? null
                    : io.remora.matching.FilterStateMatch.serialize(cb.filterState().get(input.key()));
            // The translator admits no other input for an HTTP filter's matcher.
            default -> null;
        };
    }

    @Override
    public java.util.Map<String, java.util.Map<String, Object>> dynamicMetadata() {
        return cb.streamInfo().dynamicMetadata();
    }

    @Override
    public io.remora.runtime.Runtime runtime() {
        return cb.serverContext().runtime();
    }

    @Override
    public InetAddress address(MatchInput input) {
        SocketAddress a = switch (input.kind()) {
            case DESTINATION_IP -> local();
            case SOURCE_IP -> remote();
            case DIRECT_SOURCE_IP -> cb.connection().remoteAddress();
            default -> null;
        };
        return a instanceof InetSocketAddress isa ? isa.getAddress() : null;
    }

    /** As Envoy's input: the parameter's first decoded value; null when the path has none. */
    private static String queryParam(CharSequence path, String name) {
        if (path == null) {
            return null;
        }
        java.util.List<String> values = new io.netty.handler.codec.http.QueryStringDecoder(path.toString())
                .parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** As Envoy's input: a class for 100..599 only. */
    private static String statusClass(CharSequence status) {
        if (status == null || status.length() != 3 || status.charAt(0) < '1' || status.charAt(0) > '5'
                || !Character.isDigit(status.charAt(1)) || !Character.isDigit(status.charAt(2))) {
            return null;
        }
        return CLASSES[status.charAt(0) - '1'];
    }

    private static final String[] CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};

    private SocketAddress local() {
        SocketAddress a = cb.streamInfo().downstreamLocalAddress;
        return a != null ? a : cb.connection().localAddress();
    }

    private SocketAddress remote() {
        SocketAddress a = cb.streamInfo().downstreamRemoteAddress;
        return a != null ? a : cb.connection().remoteAddress();
    }

    private PeerIdentity peer() {
        return PeerIdentity.of(cb.connection(), cb.filterState());
    }
}

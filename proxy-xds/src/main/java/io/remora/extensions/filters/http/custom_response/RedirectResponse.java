package io.remora.extensions.filters.http.custom_response;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.router.InternalRedirect;
import io.remora.http.upstream.HeaderConversion;
import io.remora.network.FilterState;
import io.remora.route.HeaderMutator;
import io.remora.route.RedirectUri;

/**
 * Envoy's {@code RedirectPolicy}: the original request is sent again, as a GET without a body, to
 * the {@code uri} or the one {@code redirect_action} makes of the request (scheme, authority and
 * path; a fragment dropped; one that does not parse counts {@code custom_response_invalid_uri}) through a new run of
 * the filter chain, its headers changed by {@code request_headers_to_add}; the stream's filter
 * state records the policy, so the new response is not matched again but, when it is 1xx or 2xx,
 * gets the policy's status and {@code response_headers_to_add}. A URI no route serves counts
 * {@code custom_response_redirect_no_route} and the original response goes on.
 */
final class RedirectResponse implements ResponsePolicy {

    /** Envoy's filter state key for the policy that recreated the stream. */
    static final String STATE = "envoy.filters.http.custom_response";
    private static final CharSequence GET = "GET";

    /** The fixed target ({@code uri}), or null when {@link #action} makes it from each request. */
    private final InternalRedirect.Url url;
    private final RedirectUri action;
    private final int statusCode;
    private final HeaderMutator responseHeaders;
    private final HeaderMutator requestHeaders;

    RedirectResponse(PolicyConfig.Redirect c) {
        this.url = c.uri() == null ? null : InternalRedirect.Url.parse(c.uri());
        this.action = c.action() == null ? null : RedirectUri.of(c.action());
        this.statusCode = c.statusCode();
        this.responseHeaders = HeaderMutator.of(c.responseHeaders());
        this.requestHeaders = HeaderMutator.of(c.requestHeaders());
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers response, CustomResponseFilter filter) {
        Http2Headers request = filter.downstreamHeaders();
        if (request == null) {
            // A local reply made before this filter saw the request: there is nothing to send again.
            return FilterStatus.CONTINUE;
        }
        DecoderFilterCallbacks cb = filter.decoderCallbacks();
        InternalRedirect.Url url = this.url;
        if (url == null) {
            String location = action.location(request);
            url = location == null ? null : InternalRedirect.Url.parse(location);
            if (url == null) {
                filter.stats().invalidUri().increment();
                return FilterStatus.CONTINUE;
            }
        }
        CharSequence host = request.authority();
        CharSequence path = request.path();
        CharSequence scheme = request.scheme();
        request.scheme(url.scheme());
        request.authority(url.hostAndPort());
        request.path(url.pathAndQuery());
        cb.clearRouteCache();
        // As Envoy, the request header changes are made before the route lookup and stay even when it fails.
        requestHeaders.apply(request, request, cb.formatterContext());
        if (cb.route() == null) {
            filter.stats().noRoute().increment();
            restore(request, host, path, scheme, cb);
            return FilterStatus.CONTINUE;
        }
        CharSequence method = request.method();
        CharSequence length = request.get(HttpHeaderNames.CONTENT_LENGTH);
        request.method(GET);
        request.remove(HttpHeaderNames.CONTENT_LENGTH);
        if (!cb.recreateStream(null)) {
            // Remora-only: the request has not been read whole, so it cannot run again.
            request.method(method);
            if (length != null) {
                request.set(HttpHeaderNames.CONTENT_LENGTH, length);
            }
            restore(request, host, path, scheme, cb);
            return FilterStatus.CONTINUE;
        }
        // The new run starts on a later turn of the event loop, after this.
        cb.filterState().set(STATE, this, FilterState.Mutability.READ_ONLY);
        return FilterStatus.STOP_ITERATION;
    }

    private static void restore(Http2Headers request, CharSequence host, CharSequence path, CharSequence scheme,
                                DecoderFilterCallbacks cb) {
        if (host != null) {
            request.authority(host);
        }
        if (path != null) {
            request.path(path);
        }
        if (scheme != null) {
            request.scheme(scheme);
        } else {
            request.remove(Http2Headers.PseudoHeaderName.SCHEME.value());
        }
        cb.clearRouteCache();
    }

    @Override
    public FilterStatus encodeRedirectedHeaders(Http2Headers response, CustomResponseFilter filter) {
        int code = HeaderConversion.parseStatus(response.status());
        if (code < 100 || code > 299) {
            // An error or a redirect from the new target goes out as it is.
            return FilterStatus.CONTINUE;
        }
        var cb = filter.encoderCallbacks();
        Http2Headers request = cb.requestHeaders() != null ? cb.requestHeaders() : response;
        responseHeaders.apply(response, request, cb.formatterContext());
        if (statusCode != 0) {
            response.status(Integer.toString(statusCode));
            cb.streamInfo().responseCode = statusCode;
        }
        return FilterStatus.CONTINUE;
    }
}

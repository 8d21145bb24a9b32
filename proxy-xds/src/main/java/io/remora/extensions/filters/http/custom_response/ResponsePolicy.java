package io.remora.extensions.filters.http.custom_response;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.filter.FilterStatus;

/** A custom response policy at run time (Envoy's {@code Policy}); immutable, shared by streams. */
interface ResponsePolicy {

    /** The matcher picked this policy for a response whose headers are {@code headers}. */
    FilterStatus encodeHeaders(Http2Headers headers, CustomResponseFilter filter);

    /**
     * The response to the request this policy sent again (its filter state marks the stream);
     * by default left as it is.
     */
    default FilterStatus encodeRedirectedHeaders(Http2Headers headers, CustomResponseFilter filter) {
        return FilterStatus.CONTINUE;
    }
}

package io.remora.extensions.filters.network.thrift_proxy;

import io.remora.accesslog.StreamInfo;

/**
 * A thrift filter before the router ({@code thrift_filters}): sees each request once it is whole,
 * on the connection's event loop. Configs are immutable and shared by every connection.
 */
public interface ThriftRequestFilter {

    /**
     * @param codec reads the request's body (its protocol); reset before use
     * @param info  the request's stream info, where dynamic metadata goes
     */
    void onRequest(ThriftMessage request, ThriftCodec codec, StreamInfo info);
}

package io.remora.config;

import io.netty.handler.codec.http2.Http2Headers;

/**
 * A route's cluster specifier plugin (Envoy's {@code ClusterSpecifierPlugin}, e.g. Lua's): names
 * the cluster of each request from its headers. Built by an extension at translation time and
 * shared by every event loop, so an implementation keeps any per-thread state itself; called on
 * the stream's event loop and must not block.
 */
public interface ClusterSpecifierPlugin {

    /** The cluster for this request; null or empty names none (the router answers 503, as for an unknown one). */
    String cluster(Http2Headers requestHeaders);
}

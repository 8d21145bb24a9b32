package io.remora.config;

import java.util.List;

/**
 * tcp_proxy's {@code tunneling_config}: the connection's bytes travel in an HTTP stream to the
 * cluster's host instead of a TCP connection of their own: a CONNECT (HTTP/2 when the cluster
 * speaks it, else HTTP/1.1), or a POST to {@code postPath} with {@code use_post}.
 *
 * @param hostname     the CONNECT authority (or POST's :authority); may hold command operators
 *                     such as {@code %DOWNSTREAM_LOCAL_ADDRESS%}
 * @param headersToAdd extra request headers; values may hold command operators
 * @param propagateResponseHeaders  keep the answer's headers in the connection's filter state
 * @param propagateResponseTrailers keep the answer's trailers there too
 */
public record TunnelingConfig(String hostname, boolean usePost, String postPath,
                              List<HeaderMutation.HeaderValueOption> headersToAdd,
                              boolean propagateResponseHeaders, boolean propagateResponseTrailers) {

    public TunnelingConfig(String hostname, boolean usePost, String postPath,
                           List<HeaderMutation.HeaderValueOption> headersToAdd) {
        this(hostname, usePost, postPath, headersToAdd, false, false);
    }

    public TunnelingConfig {
        postPath = postPath == null || postPath.isEmpty() ? "/" : postPath;
        headersToAdd = headersToAdd == null ? List.of() : List.copyOf(headersToAdd);
    }
}

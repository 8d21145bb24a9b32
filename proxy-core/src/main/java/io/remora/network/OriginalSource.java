package io.remora.network;

import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;

/**
 * What the {@code original_src} listener filter decided for one downstream connection: its
 * upstream connections bind {@code source} (the downstream's address; its port only with
 * bind_port) on a transparent socket marked {@code mark} (0: none). Envoy keys connection pools
 * by these socket options, so upstream connections are shared only among downstream
 * connections with the same source.
 */
public record OriginalSource(InetSocketAddress source, int mark) {

    /** Set on a downstream channel whose listener has original_src. */
    public static final AttributeKey<OriginalSource> ATTR = AttributeKey.valueOf("remora.originalSource");

    /** Where the HTTP original_src filter leaves a request's binding, in the request's filter state. */
    public static final String FILTER_STATE_KEY = "envoy.filters.http.original_src";

    /**
     * The binding of a request's upstream connections: the HTTP original_src filter's, else the
     * listener filter's on its connection; null for none.
     */
    public static OriginalSource forRequest(FilterState state, ConnectionInfo connection) {
        OriginalSource s = state == null ? null : state.get(FILTER_STATE_KEY, OriginalSource.class);
        return s != null ? s : connection == null ? null : connection.originalSource();
    }
}

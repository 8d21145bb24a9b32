package io.remora.http.upstream;

import io.netty.channel.Channel;
import io.remora.tls.TlsConnection;

/**
 * What a stream's logs and filters read about its upstream connection, read once per connection:
 * both live in the channel's attribute map, a search on every request otherwise.
 *
 * @param id  {@code %UPSTREAM_CONNECTION_ID%}
 * @param tls the connection's TLS session, or null in plaintext
 */
record UpstreamChannelFacts(long id, TlsConnection tls) {

    /** Once the connection is handed out: its TLS handshake, if any, is done. */
    static UpstreamChannelFacts of(Channel ch) {
        return new UpstreamChannelFacts(io.remora.network.ConnectionIds.of(ch),
                ch.hasAttr(TlsConnection.UPSTREAM) ? ch.attr(TlsConnection.UPSTREAM).get() : null);
    }
}

package io.remora.extensions.transport_sockets.tap;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.extensions.filters.common.tap.BodySearch;
import io.remora.extensions.filters.common.tap.TapAdmin;
import io.remora.extensions.filters.common.tap.TapExtensionConfig;
import io.remora.extensions.filters.common.tap.TapPredicate;
import io.remora.network.SocketTap;
import io.remora.server.ServerContext;

/** The tap transport socket of one filter chain: holds its tap config in force, taps each new connection. */
final class TransportTap implements SocketTap {

    /**
     * A socket shows its matcher nothing: Envoy's socket tapper only starts the match, so the
     * HTTP rules never match (and a not_match of one does).
     */
    private static final TapPredicate.Observed NOTHING_SEEN = new TapPredicate.Observed() {
        @Override
        public Http2Headers headers(TapPredicate.HeadersSource source) {
            return null;
        }

        @Override
        public BodySearch body(int index) {
            return null;
        }

        @Override
        public boolean complete() {
            return true;
        }
    };

    private final TapSocketConfig config;
    /** Held here: the admin handler only keeps it weakly, for as long as this chain serves. */
    private final TapExtensionConfig extension;

    TransportTap(TapSocketConfig config, ServerContext context) {
        this.config = config;
        if (config.staticSpec() != null) {
            extension = TapExtensionConfig.of(config.staticSpec());
        } else {
            extension = TapExtensionConfig.admin();
            TapAdmin.of(context).register(config.adminConfigId(), extension);
        }
    }

    /** Whether a socket matches {@code match}: decided as it opens, once and for all. */
    static boolean matches(TapPredicate match) {
        return match.evaluate(NOTHING_SEEN) == TapPredicate.Result.MATCH;
    }

    @Override
    public ChannelHandler newHandler(Channel ch, long connectionId) {
        TapExtensionConfig.Active active = extension.active();
        if (active == null || !matches(active.spec().match())) {
            return null;
        }
        return new SocketTapHandler(active, connectionId, config.connectionPerEvent());
    }
}

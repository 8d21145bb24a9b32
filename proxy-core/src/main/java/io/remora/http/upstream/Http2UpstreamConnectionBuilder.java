package io.remora.http.upstream;

import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Settings;

/**
 * Builds an {@link Http2UpstreamConnection} (client side) through Netty's builder, which keeps its
 * flood protections for the handler it builds (empty DATA frames are left to
 * {@link io.remora.http.Http2FloodGuard}); response headers decode into flat header blocks. The
 * cluster's outbound frame limits apply as downstream, as Envoy's client codec keeps the same
 * ProtocolConstraints: {@code max_outbound_control_frames} through Netty's queued-control-frame
 * limit, {@code max_outbound_frames} through {@link io.remora.http.Http2OutboundFrames}.
 */
final class Http2UpstreamConnectionBuilder
        extends AbstractHttp2ConnectionHandlerBuilder<Http2UpstreamConnection, Http2UpstreamConnectionBuilder> {
    private final Http2ConnectionPool pool;
    private final io.remora.http.Http2Connections.Counted created;

    private Http2UpstreamConnectionBuilder(Http2ConnectionPool pool) {
        this.pool = pool;
        this.created = io.remora.http.Http2Connections.create(false,
                pool.ctx.stats().http2Outbound.pendingSendBytes());
    }

    static Http2UpstreamConnection create(Http2ConnectionPool pool, Http2Settings settings) {
        Http2UpstreamConnectionBuilder b = new Http2UpstreamConnectionBuilder(pool);
        b.connection(b.created.connection());
        b.initialSettings(settings);
        b.encoderEnforceMaxQueuedControlFrames(pool.options().maxOutboundControlFrames());
        b.decoderEnforceMaxConsecutiveEmptyDataFrames(0); // Http2FloodGuard's, with Envoy's limit and stat
        // A response with an upper-case or connection-specific header name, or a bad pseudo-header,
        // is invalid, as nghttp2 holds it for Envoy: its stream's error then costs the connection
        // unless override_stream_error_on_invalid_http_message (Http2UpstreamConnection.onStreamError).
        b.validateHeaders(true);
        return b.build();
    }

    @Override
    protected Http2UpstreamConnection build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
                                            Http2Settings initialSettings) {
        io.remora.http.HeaderBlockDecoder headers = io.remora.http.HeaderBlockDecoder.installed(decoder, true);
        // max_response_headers_kb bounds a response's header list here, unadvertised, as oghttp2's
        // max_header_list_bytes does for Envoy's client.
        long max = pool.ctx.cluster.config().responseHeaderLimits().maxBytes();
        try {
            headers.maxHeaderListSize(max, io.netty.handler.codec.http2.Http2CodecUtil.calculateMaxHeaderListSizeGoAway(max));
        } catch (io.netty.handler.codec.http2.Http2Exception e) {
            throw new IllegalArgumentException(e); // a limit Netty refuses: not a size the config allows
        }
        io.remora.http.Http2OutboundFrames outbound = io.remora.http.Http2OutboundFrames.install(encoder,
                pool.ctx.stats().http2Outbound, pool.options().maxOutboundFrames());
        return new Http2UpstreamConnection(decoder, encoder, initialSettings, pool, created.dataFrames(), headers,
                outbound);
    }
}

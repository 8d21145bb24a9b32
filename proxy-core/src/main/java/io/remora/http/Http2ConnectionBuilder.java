package io.remora.http;

import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Settings;
import io.remora.config.Http2Options;

/**
 * Builds a downstream {@link Http2Connection} from the HCM's http2_protocol_options: our SETTINGS,
 * and Netty's builder, which keeps its flood protections (empty DATA, RST_STREAM rate) for the
 * handler it builds.
 */
final class Http2ConnectionBuilder extends AbstractHttp2ConnectionHandlerBuilder<Http2Connection, Http2ConnectionBuilder> {
    private final ConnectionContext cx;

    private Http2ConnectionBuilder(ConnectionContext cx) {
        this.cx = cx;
    }

    static Http2Connection create(ConnectionContext cx) {
        Http2Options o = cx.hcm.http2Options;
        Http2Settings settings = Http2Settings.defaultSettings()
                .maxConcurrentStreams(Math.min(o.maxConcurrentStreams() & 0xffffffffL, 0xffffffffL))
                .initialWindowSize(o.initialStreamWindowSize())
                .maxHeaderListSize(cx.hcm.maxRequestHeadersBytes);
        if (o.allowConnect()) {
            // allow_connect: RFC 8441 extended CONNECT (WebSocket over HTTP/2 streams).
            settings.connectProtocolEnabled(true);
        }
        return new Http2ConnectionBuilder(cx).handler(settings);
    }

    private Http2Connection handler(Http2Settings settings) {
        connection(Http2Connections.create(true));
        initialSettings(settings);
        validateHeaders(true);
        // Envoy's max_outbound_control_frames: a peer that makes us queue more PING/SETTINGS
        // ACKs and RST_STREAMs than this without reading them is cut off (ENHANCE_YOUR_CALM).
        encoderEnforceMaxQueuedControlFrames(Http2Connection.MAX_OUTBOUND_CONTROL_FRAMES);
        return build();
    }

    @Override
    protected Http2Connection build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
                                    Http2Settings initialSettings) {
        // Requests decode into flat header blocks, with the checks validateHeaders(true) makes.
        HeaderBlockDecoder.install(decoder, true);
        return new Http2Connection(decoder, encoder, initialSettings, cx);
    }
}

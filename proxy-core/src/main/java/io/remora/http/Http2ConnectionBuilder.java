package io.remora.http;

import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Settings;
import io.remora.config.Http2Options;

/**
 * Builds a downstream {@link Http2Connection} from the HCM's http2_protocol_options (and installs it
 * on the connection's pipeline once the client's preface came): our SETTINGS,
 * and Netty's builder, which keeps its queued control frames limit for the handler it builds (its
 * RST_STREAM rate gives way to {@link Http2PrematureResets}); empty DATA frames are left to {@link Http2FloodGuard}, which counts them.
 */
final class Http2ConnectionBuilder extends AbstractHttp2ConnectionHandlerBuilder<Http2Connection, Http2ConnectionBuilder> {
    private final ConnectionContext cx;
    private final Http2Connections.Counted created;

    private Http2ConnectionBuilder(ConnectionContext cx) {
        this.cx = cx;
        this.created = Http2Connections.create(true, cx.hcm.stats.http2Outbound.pendingSendBytes());
    }

    static Http2Connection create(ConnectionContext cx) {
        Http2Options o = cx.hcm.http2Options;
        // Envoy's server SETTINGS (sendSettingsHelper): HEADER_TABLE_SIZE, ENABLE_CONNECT_PROTOCOL
        // (allow_connect: RFC 8441 extended CONNECT, WebSocket over HTTP/2 streams),
        // MAX_CONCURRENT_STREAMS, INITIAL_WINDOW_SIZE and the custom parameters; no
        // MAX_HEADER_LIST_SIZE: max_request_headers_kb bounds requests unadvertised (see build).
        Http2Settings settings = Http2Settings.defaultSettings()
                .maxConcurrentStreams(Math.min(o.maxConcurrentStreams() & 0xffffffffL, 0xffffffffL))
                .initialWindowSize(o.initialStreamWindowSize())
                .connectProtocolEnabled(o.allowConnect());
        settings.remove(io.netty.handler.codec.http2.Http2CodecUtil.SETTINGS_MAX_HEADER_LIST_SIZE);
        return new Http2ConnectionBuilder(cx).handler(Http2Connections.settings(settings, o));
    }

    /** HTTP/2 with prior knowledge (or ALPN h2): the client preface comes next. */
    static void install(ConnectionContext cx) {
        Http2Connection conn = create(cx);
        cx.http2 = true;
        cx.codec = conn;
        cx.hcm.stats.downstreamCxHttp2Total.increment();
        cx.hcm.stats.downstreamCxHttp2Active.incrementAndGet();
        // Unfinished header blocks count against the proxy-wide header budget, as HTTP/1.1 heads do.
        cx.channel.pipeline().addLast(io.remora.overload.Http2HeaderGuard.NAME, Http2HeaderPhase.guard(cx));
        if (io.remora.accesslog.WireBytes.wanted()) {
            conn.frameMeter = new Http2FrameMeter(true, id -> {
                Http2DownstreamStream s = conn.streamFor(id);
                return s == null ? null : s.wireBytes();
            });
            cx.channel.pipeline().addLast(conn.frameMeter);
        }
        cx.channel.pipeline().addLast(conn);
    }

    private Http2Connection handler(Http2Settings settings) {
        connection(created.connection());
        initialSettings(settings);
        validateHeaders(true);
        // Envoy's max_outbound_control_frames: a peer that makes us queue more PING/SETTINGS
        // ACKs and RST_STREAMs than this without reading them is cut off (ENHANCE_YOUR_CALM).
        encoderEnforceMaxQueuedControlFrames(cx.hcm.http2Options.maxOutboundControlFrames());
        decoderEnforceMaxConsecutiveEmptyDataFrames(0); // Http2FloodGuard's, with Envoy's limit and stat
        decoderEnforceMaxRstFramesPerWindow(0, 0); // Envoy's premature reset count instead (Http2PrematureResets)
        return build();
    }

    @Override
    protected Http2Connection build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
                                    Http2Settings initialSettings) {
        // Requests decode into flat header blocks, with the checks validateHeaders(true) makes.
        HeaderBlockDecoder headers = HeaderBlockDecoder.installed(decoder, true);
        long max = cx.hcm.maxRequestHeadersBytes;
        try {
            // As oghttp2's max_header_list_bytes, which Envoy sets and its SETTINGS never name.
            headers.maxHeaderListSize(max, io.netty.handler.codec.http2.Http2CodecUtil.calculateMaxHeaderListSizeGoAway(max));
        } catch (io.netty.handler.codec.http2.Http2Exception e) {
            throw new IllegalArgumentException(e); // a limit Netty refuses: not a size the config allows
        }
        Http2SelfDependencyScrub.install(decoder);
        Http2OutboundFrames outbound = Http2OutboundFrames.install(encoder, cx.hcm.stats.http2Outbound,
                cx.hcm.http2Options.maxOutboundFrames());
        return new Http2Connection(decoder, encoder, initialSettings, cx, created.dataFrames(), headers, outbound);
    }
}

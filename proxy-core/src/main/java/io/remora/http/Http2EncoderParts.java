package io.remora.http;

import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2FrameSizePolicy;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import io.netty.handler.codec.http2.Http2RemoteFlowController;

/**
 * The parts of a connection's HTTP/2 encoder that its handler, {@link HeaderFrames} and
 * {@link Http2DataWriter} use for every frame, looked up once per connection: through Netty's
 * builder the encoder is a chain of decorators (flood protection), and each of these lookups
 * walked it (~2.5 % of an HTTP/2 worker). None of them changes for the life of a connection; the
 * frame size policy is read at each use, so a SETTINGS change still applies. Both connection
 * handlers answer {@code connection()} from here.
 *
 * @param connection Netty's connection state (streams, endpoints)
 * @param flow       the remote flow controller (the peer's windows)
 * @param hpack      Netty's HPACK encoder, or null when the frame writer has another: then
 *                   HEADERS go through the encoder
 * @param frameSizes the peer's max frame size
 */
public record Http2EncoderParts(Http2Connection connection, Http2RemoteFlowController flow, Http2HeadersEncoder hpack,
                                Http2FrameSizePolicy frameSizes) {

    public static Http2EncoderParts of(Http2ConnectionEncoder encoder) {
        Http2HeadersEncoder hpack = encoder.frameWriter().configuration().headersConfiguration()
                instanceof Http2HeadersEncoder h ? h : null;
        return new Http2EncoderParts(encoder.connection(), encoder.flowController(), hpack,
                encoder.configuration().frameSizePolicy());
    }
}

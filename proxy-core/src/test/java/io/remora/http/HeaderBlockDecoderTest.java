package io.remora.http;

import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HPACK hook finds its place in the codec Netty's builder makes, for both ends: when a Netty
 * release lays the codec out differently this fails (the proxy itself would keep Netty's block).
 * What the installed decoder produces is checked over a real connection in
 * {@code Http2ConnectionManagerTest.requestsDecodeIntoHeaderBlocksAndAnUpperCaseNameResetsOnlyItsStream}.
 */
class HeaderBlockDecoderTest {

    @Test
    void installsIntoServerAndClientCodecs() {
        for (boolean server : new boolean[] {true, false}) {
            Http2ConnectionHandler h = new Http2ConnectionHandlerBuilder().server(server).validateHeaders(server)
                    .frameListener(new Http2FrameAdapter()).build();
            assertTrue(HeaderBlockDecoder.install(h.decoder(), server), "server " + server);
            assertTrue(HeaderBlockDecoder.install(h.decoder(), server), "already installed: found again");
        }
    }
}

package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HEADERS frames written by {@link HeaderFrames}, read by Netty's own HTTP/2 decoder on the other
 * side: two connection handlers on embedded channels, bytes moved between them by hand so each
 * frame the writer produced can be looked at before the peer reads it.
 */
class HeaderFramesTest {

    private static final int HEADERS = 0x1;
    private static final int CONTINUATION = 0x9;

    /** What one side's decoder heard, in order. */
    static final class Heard extends Http2FrameAdapter {
        final List<String> events = new ArrayList<>();
        final List<Http2Headers> headers = new ArrayList<>();

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers h, int padding, boolean end) {
            headers.add(h);
            events.add("headers " + streamId + (end ? " end" : ""));
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers h, int dependency,
                                  short weight, boolean exclusive, int padding, boolean end) {
            onHeadersRead(ctx, streamId, h, padding, end);
        }

        @Override
        public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean end) {
            events.add("data " + streamId + " " + data.readableBytes() + (end ? " end" : ""));
            return data.readableBytes() + padding;
        }

        @Override
        public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
            events.add("rst " + streamId);
        }
    }

    private final Heard serverHeard = new Heard();
    private final Heard clientHeard = new Heard();
    private Http2ConnectionHandler server;
    private Http2ConnectionHandler client;
    private EmbeddedChannel serverCh;
    private EmbeddedChannel clientCh;

    private void connect(Http2Settings clientSettings) {
        connect(clientSettings, Http2Settings.defaultSettings());
    }

    private void connect(Http2Settings clientSettings, Http2Settings serverSettings) {
        server = new Http2ConnectionHandlerBuilder().server(true).frameListener(serverHeard)
                .initialSettings(serverSettings).build();
        client = new Http2ConnectionHandlerBuilder().server(false).frameListener(clientHeard)
                .initialSettings(clientSettings).build();
        serverCh = new EmbeddedChannel(server);
        clientCh = new EmbeddedChannel(client);
        pump();
    }

    @AfterEach
    void close() {
        for (EmbeddedChannel ch : new EmbeddedChannel[] {serverCh, clientCh}) {
            if (ch != null) {
                ch.finishAndReleaseAll();
            }
        }
    }

    /** Moves bytes both ways until neither side has more to say. */
    private void pump() {
        boolean moved = true;
        while (moved) {
            moved = move(clientCh, serverCh) | move(serverCh, clientCh);
        }
    }

    private static boolean move(EmbeddedChannel from, EmbeddedChannel to) {
        from.flushOutbound();
        boolean any = false;
        for (ByteBuf b; (b = from.readOutbound()) != null; ) {
            to.writeInbound(b);
            any = true;
        }
        return any;
    }

    /** The server's pending outbound writes, as they would go to the socket. */
    private List<ByteBuf> serverWrites() {
        serverCh.flushOutbound();
        List<ByteBuf> out = new ArrayList<>();
        for (ByteBuf b; (b = serverCh.readOutbound()) != null; ) {
            out.add(b);
        }
        return out;
    }

    /** Frame types and flags in {@code bytes}: "type/flags/length" per frame. */
    private static List<String> frames(List<ByteBuf> writes) {
        ByteBuf all = Unpooled.buffer();
        for (ByteBuf b : writes) {
            all.writeBytes(b, b.readerIndex(), b.readableBytes());
        }
        List<String> frames = new ArrayList<>();
        while (all.isReadable()) {
            int length = all.readUnsignedMedium();
            int type = all.readUnsignedByte();
            int flags = all.readUnsignedByte();
            all.skipBytes(4 + length);
            frames.add(type + "/" + flags + "/" + length);
        }
        return frames;
    }

    private void deliver(List<ByteBuf> writes) {
        for (ByteBuf b : writes) {
            clientCh.writeInbound(b);
        }
        pump();
    }

    private ChannelHandlerContext serverCtx() {
        return serverCh.pipeline().context(server);
    }

    /** The client opens stream 3 with a GET and, when {@code end}, ends its side. */
    private void request(boolean end) {
        ChannelHandlerContext ctx = clientCh.pipeline().context(client);
        client.encoder().writeHeaders(ctx, 3, new DefaultHttp2Headers().method("GET").scheme("http")
                .authority("a").path("/"), 0, end, ctx.newPromise());
        pump();
        assertEquals(List.of("headers 3" + (end ? " end" : "")), serverHeard.events);
    }

    @Test
    void aResponseIsOneHeadersFrameInOneWriteAndEndsTheStream() {
        connect(Http2Settings.defaultSettings());
        request(true);
        HeaderBlock response = new HeaderBlock();
        response.status("200").add("content-type", "text/plain").add("x-b", "2");

        HeaderFrames.write(server, parts(server), serverCtx(), 3, response, true);
        List<ByteBuf> writes = serverWrites();
        assertEquals(1, writes.size(), "frame header and block in one buffer");
        List<String> frames = frames(writes);
        assertEquals(1, frames.size());
        assertTrue(frames.get(0).startsWith(HEADERS + "/" + (0x4 | 0x1) + "/"), frames.toString());
        assertTrue(server.connection().stream(3) == null
                || server.connection().stream(3).state() == Http2Stream.State.CLOSED, "both sides ended");

        deliver(writes);
        assertEquals(List.of("headers 3 end"), clientHeard.events);
        Http2Headers got = clientHeard.headers.get(0);
        assertEquals("200", got.status().toString());
        assertEquals("text/plain", got.get("content-type").toString());
        assertEquals("2", got.get("x-b").toString());
    }

    @Test
    void aBlockOverTheFrameSizeGoesOnInContinuationFrames() {
        connect(Http2Settings.defaultSettings().maxHeaderListSize(1 << 20));
        request(false);
        String big = "v".repeat(50_000); // HPACK's Huffman code takes 5 bits a 'v': ~31 KB, two frames and more
        HeaderBlock response = new HeaderBlock();
        response.status("200").add("x-big", big);

        HeaderFrames.write(server, parts(server), serverCtx(), 3, response, false);
        List<ByteBuf> writes = serverWrites();
        List<String> frames = frames(writes);
        assertTrue(frames.size() >= 2, frames.toString());
        assertEquals(HEADERS + "/0/16384", frames.get(0), "END_HEADERS only on the last fragment");
        for (int i = 1; i < frames.size(); i++) {
            String expect = CONTINUATION + "/" + (i == frames.size() - 1 ? 0x4 : 0) + "/";
            assertTrue(frames.get(i).startsWith(expect), frames.toString());
        }
        assertEquals(Http2Stream.State.OPEN, server.connection().stream(3).state());

        deliver(writes);
        assertEquals(List.of("headers 3"), clientHeard.events);
        assertEquals(big, clientHeard.headers.get(0).get("x-big").toString());
    }

    @Test
    void aRequestOverTheServersHeaderListLimitResetsOnlyItsStream() {
        // Netty's servers ignore a client's limit (advisory, RFC 9113 6.5.2); clients keep the server's.
        connect(Http2Settings.defaultSettings(), Http2Settings.defaultSettings().maxHeaderListSize(1024));
        ChannelHandlerContext ctx = clientCh.pipeline().context(client);
        HeaderBlock req = new HeaderBlock();
        req.method("GET").scheme("http").authority("a").path("/").add("x-big", "v".repeat(4096));
        int id = client.connection().local().incrementAndGetNextStreamId();

        ChannelFuture f = HeaderFrames.write(client, parts(client), ctx, id, req, false);
        assertNotNull(f.cause());
        clientCh.flushOutbound();
        List<ByteBuf> writes = new ArrayList<>();
        for (ByteBuf b; (b = clientCh.readOutbound()) != null; ) {
            writes.add(b);
        }
        List<String> frames = frames(writes);
        assertFalse(frames.stream().anyMatch(fr -> fr.startsWith(HEADERS + "/")), frames.toString());
        writes.forEach(ByteBuf::release);
        assertTrue(clientCh.isActive(), "a stream error, not the connection's");
        assertTrue(client.connection().stream(id) == null
                || client.connection().stream(id).state() == Http2Stream.State.CLOSED);

        // The connection's HPACK table was left as it was: the next request decodes on the server.
        int next = client.connection().local().incrementAndGetNextStreamId();
        HeaderFrames.write(client, parts(client), ctx, next, new HeaderBlock().method("GET").scheme("http").authority("a").path("/ok"), true);
        pump();
        assertEquals(List.of("headers " + next + " end"), serverHeard.events);
        assertEquals("/ok", serverHeard.headers.get(0).path().toString());
    }

    @Test
    void anInformationalResponseThenTheFinalOne() {
        connect(Http2Settings.defaultSettings());
        request(false);
        HeaderFrames.write(server, parts(server), serverCtx(), 3, new HeaderBlock().status("100"), false);
        HeaderBlock last = new HeaderBlock();
        last.status("204");
        HeaderFrames.write(server, parts(server), serverCtx(), 3, last, true);
        List<ByteBuf> writes = serverWrites();
        assertEquals(2, frames(writes).size());

        deliver(writes);
        assertEquals(List.of("headers 3", "headers 3 end"), clientHeard.events);
        assertEquals("100", clientHeard.headers.get(0).status().toString());
        assertEquals("204", clientHeard.headers.get(1).status().toString());
    }

    @Test
    void trailersWaitBehindDataTheWindowHolds() {
        connect(Http2Settings.defaultSettings());
        request(true);
        ChannelHandlerContext ctx = serverCtx();
        HeaderFrames.write(server, parts(server), ctx, 3, new HeaderBlock().status("200"), false);
        int size = 100_000; // over the client's 65,535-byte window: the rest waits in the flow controller
        server.encoder().writeData(ctx, 3, Unpooled.wrappedBuffer(new byte[size]), 0, false, ctx.newPromise());
        HeaderBlock trailers = new HeaderBlock();
        trailers.add("grpc-status", "0");
        HeaderFrames.write(server, parts(server), ctx, 3, trailers, true);
        pump();

        List<String> events = clientHeard.events;
        assertEquals("headers 3", events.get(0));
        assertEquals("headers 3 end", events.get(events.size() - 1), events.toString());
        int data = events.stream().filter(e -> e.startsWith("data 3 "))
                .mapToInt(e -> Integer.parseInt(e.split(" ")[2])).sum();
        assertEquals(size, data, "every DATA byte before the trailers");
        assertEquals("0", clientHeard.headers.get(1).get("grpc-status").toString());
    }

    @Test
    void aClientOpensItsStreamWithOneHeadersFrame() {
        connect(Http2Settings.defaultSettings());
        ChannelHandlerContext ctx = clientCh.pipeline().context(client);
        HeaderBlock req = new HeaderBlock();
        req.method("POST").scheme("http").authority("a").path("/x").add("te", "trailers");
        int id = client.connection().local().incrementAndGetNextStreamId();

        HeaderFrames.write(client, parts(client), ctx, id, req, false);
        assertEquals(Http2Stream.State.OPEN, client.connection().stream(id).state());
        clientCh.flushOutbound();
        List<ByteBuf> writes = new ArrayList<>();
        for (ByteBuf b; (b = clientCh.readOutbound()) != null; ) {
            writes.add(b);
        }
        assertEquals(1, writes.size());
        for (ByteBuf b : writes) {
            serverCh.writeInbound(b);
        }
        pump();
        assertEquals(List.of("headers " + id), serverHeard.events);
        assertEquals("/x", serverHeard.headers.get(0).path().toString());
    }

    private static Http2EncoderParts parts(io.netty.handler.codec.http2.Http2ConnectionHandler handler) {
        return Http2EncoderParts.of(handler.encoder());
    }
}

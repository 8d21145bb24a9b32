package io.remora.redis;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;
import java.util.function.LongConsumer;

/**
 * Turns a connection's bytes into {@link RespValue}s, one channelRead each. Bytes that are not
 * RESP, or a value past {@link RespDecoder#DEFAULT_MAX_VALUE_BYTES}, end the stream: {@link #PROTOCOL_ERROR} is passed on once and everything after is dropped,
 * for the handler to answer and close as Envoy does.
 */
public final class RespReader extends ByteToMessageDecoder {
    /** Passed on instead of a value when the bytes are not RESP. */
    public static final Object PROTOCOL_ERROR = new Object() {
        @Override
        public String toString() {
            return "RESP protocol error";
        }
    };

    private final LongConsumer bytesRead;
    private final RespDecoder decoder = new RespDecoder();
    private boolean failed;

    /** @param bytesRead told the size of each read (rx byte stats), or null */
    public RespReader(LongConsumer bytesRead) {
        this.bytesRead = bytesRead;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (bytesRead != null && msg instanceof ByteBuf b) {
            bytesRead.accept(b.readableBytes());
        }
        super.channelRead(ctx, msg);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            RespValue v = decoder.decode(in);
            if (v != null) {
                out.add(v);
            }
        } catch (RespProtocolException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            out.add(PROTOCOL_ERROR);
        }
    }

    /** Bytes received but not yet a whole value (Envoy's rx_bytes_buffered). */
    public int buffered() {
        return actualReadableBytes();
    }
}

package io.remora.extensions.filters.network.thrift_proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Envoy's TApplicationException replies: {@code {1: string message, 2: i32 type}} in an EXCEPTION message. */
final class ThriftLocalReply {

    static final int UNKNOWN_METHOD = 1;
    static final int INTERNAL_ERROR = 6;
    static final int PROTOCOL_ERROR = 7;

    private ThriftLocalReply() {
    }

    static ByteBuf encode(ByteBufAllocator alloc, ThriftProxyConfig.Transport transport, ThriftCodec codec,
                          String method, int seqId, int type, String message) {
        ByteBuf body = alloc.buffer();
        ByteBuf out = alloc.buffer();
        try {
            codec.reset();
            codec.writeStructBegin();
            codec.writeFieldBegin(body, ThriftCodec.STRING, (short) 1);
            byte[] msg = message.getBytes(StandardCharsets.UTF_8);
            ByteBuf m = io.netty.buffer.Unpooled.wrappedBuffer(msg);
            codec.writeBinary(body, m);
            codec.writeFieldBegin(body, ThriftCodec.I32, (short) 2);
            codec.writeI32(body, type);
            codec.writeFieldStop(body);
            codec.writeStructEnd();
            ThriftFrameEncoder.encode(out, transport, codec, null, method == null ? "" : method,
                    ThriftMessage.EXCEPTION, seqId, body, Map.of());
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        } finally {
            body.release();
        }
    }
}

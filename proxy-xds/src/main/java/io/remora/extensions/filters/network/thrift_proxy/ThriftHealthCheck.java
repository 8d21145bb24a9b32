package io.remora.extensions.filters.network.thrift_proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.remora.upstream.health.CustomHealthCheck;

import java.util.Map;

/**
 * {@code envoy.health_checkers.thrift}: calls {@code method_name} with no arguments (sequence id
 * 0) in the configured transport and protocol; a success reply is healthy, an error reply or an
 * exception unhealthy, as Envoy's thrift health checker.
 */
public record ThriftHealthCheck(String methodName, ThriftProxyConfig.Transport transport,
                                ThriftProxyConfig.Protocol protocol) implements CustomHealthCheck {

    /** An empty arguments struct: just the stop field, the same byte in every protocol. */
    private static final ByteBuf EMPTY_ARGS = Unpooled.unreleasableBuffer(
            Unpooled.wrappedBuffer(new byte[] {ThriftCodec.STOP}).asReadOnly());

    @Override
    public String type() {
        return "THRIFT";
    }

    @Override
    public Exchange newExchange() {
        ThriftCodec writer = ThriftCodec.of(protocol);
        ThriftFrameDecoder decoder = new ThriftFrameDecoder(transport, protocol, true);
        return new Exchange() {
            @Override
            public ByteBuf request(ByteBufAllocator alloc) {
                ByteBuf out = alloc.buffer(64 + methodName.length());
                ThriftFrameEncoder.encode(out, transport, writer, null, methodName, ThriftMessage.CALL, 0,
                        EMPTY_ARGS.duplicate(), Map.of());
                return out;
            }

            @Override
            public Boolean onResponse(ByteBuf in) {
                ThriftMessage m = decoder.decode(in);
                if (m == null) {
                    return null;
                }
                try {
                    return m.type == ThriftMessage.REPLY && ThriftTranscoder.replySuccess(decoder.codec(), m.body);
                } finally {
                    m.release();
                }
            }
        };
    }
}

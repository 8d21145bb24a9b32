package io.remora.extensions.filters.network.thrift_proxy;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Writes a message in a transport and protocol, re-encoding its struct when its protocol differs. */
final class ThriftFrameEncoder {

    private ThriftFrameEncoder() {
    }

    /**
     * @param reader a codec of the body's protocol (used only when it differs from {@code writer}'s)
     */
    static void encode(ByteBuf out, ThriftProxyConfig.Transport transport, ThriftCodec writer, ThriftCodec reader,
                       String name, int type, int seqId, ByteBuf body, Map<String, String> headers) {
        switch (transport) {
            case FRAMED -> {
                int at = out.writerIndex();
                out.writeInt(0);
                payload(out, writer, reader, name, type, seqId, body);
                out.setInt(at, out.writerIndex() - at - 4);
            }
            case UNFRAMED -> payload(out, writer, reader, name, type, seqId, body);
            case HEADER -> header(out, writer, reader, name, type, seqId, body, headers);
            case AUTO -> throw new IllegalArgumentException("auto transport cannot encode");
        }
    }

    private static void payload(ByteBuf out, ThriftCodec writer, ThriftCodec reader, String name, int type, int seqId,
                                ByteBuf body) {
        writer.reset();
        writer.writeMessageBegin(out, name, type, seqId);
        if (reader == null || reader.type() == writer.type()) {
            out.writeBytes(body, body.readerIndex(), body.readableBytes());
        } else {
            reader.reset();
            ThriftTranscoder.copyStruct(reader, body.duplicate(), writer, out, 0);
        }
    }

    private static void header(ByteBuf out, ThriftCodec writer, ThriftCodec reader, String name, int type, int seqId,
                               ByteBuf body, Map<String, String> headers) {
        int at = out.writerIndex();
        out.writeInt(0);
        out.writeShort(0x0FFF);
        out.writeShort(0); // flags
        out.writeInt(seqId);
        int sizeAt = out.writerIndex();
        out.writeShort(0);
        int headerStart = out.writerIndex();
        CompactCodec.writeVarint32(out, writer.type() == ThriftProxyConfig.Protocol.COMPACT ? 2 : 0);
        CompactCodec.writeVarint32(out, 0); // no transforms
        if (!headers.isEmpty()) {
            CompactCodec.writeVarint32(out, 1); // key/value info block
            CompactCodec.writeVarint32(out, headers.size());
            for (Map.Entry<String, String> e : headers.entrySet()) {
                string(out, e.getKey());
                string(out, e.getValue());
            }
        }
        while ((out.writerIndex() - headerStart) % 4 != 0) {
            out.writeByte(0);
        }
        out.setShort(sizeAt, (out.writerIndex() - headerStart) / 4);
        payload(out, writer, reader, name, type, seqId, body);
        out.setInt(at, out.writerIndex() - at - 4);
    }

    private static void string(ByteBuf out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        CompactCodec.writeVarint32(out, b.length);
        out.writeBytes(b);
    }
}

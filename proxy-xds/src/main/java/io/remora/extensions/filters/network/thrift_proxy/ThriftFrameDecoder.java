package io.remora.extensions.filters.network.thrift_proxy;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * Cuts one direction of a connection into Thrift messages: the transport's frame (framed,
 * unframed, header), then the protocol's message begin and struct. Auto transport and protocol are
 * detected on the first message and kept for the connection, as Envoy's auto implementations.
 */
final class ThriftFrameDecoder {

    /** Envoy's largest framed or header transport frame. */
    static final int MAX_FRAME_SIZE = 0xFA0000;
    private static final int HEADER_MAGIC = 0x0FFF;

    private ThriftProxyConfig.Transport transport;
    private ThriftProxyConfig.Protocol protocol;
    private ThriftCodec codec;
    private final boolean preserveCase;
    /** The message whose begin was read when decoding failed (its reply can still be encoded), or null. */
    ThriftMessage failed;

    ThriftFrameDecoder(ThriftProxyConfig.Transport transport, ThriftProxyConfig.Protocol protocol, boolean preserveCase) {
        this.transport = transport;
        this.protocol = protocol;
        this.preserveCase = preserveCase;
        if (protocol != ThriftProxyConfig.Protocol.AUTO) {
            codec = ThriftCodec.of(protocol);
        }
    }

    ThriftProxyConfig.Transport transport() {
        return transport;
    }

    ThriftProxyConfig.Protocol protocol() {
        return protocol;
    }

    /** The codec of the detected protocol (null until detected). */
    ThriftCodec codec() {
        return codec;
    }

    /** The next whole message (its body retained), or null when more bytes are needed. */
    ThriftMessage decode(ByteBuf in) {
        if (transport == ThriftProxyConfig.Transport.AUTO) {
            if (in.readableBytes() < 8) {
                return null;
            }
            transport = detectTransport(in);
        }
        return switch (transport) {
            case FRAMED -> framed(in);
            case UNFRAMED -> unframed(in);
            case HEADER -> header(in);
            case AUTO -> throw new IllegalStateException();
        };
    }

    private static ThriftProxyConfig.Transport detectTransport(ByteBuf in) {
        int i = in.readerIndex();
        int b0 = in.getUnsignedByte(i);
        int b1 = in.getUnsignedByte(i + 1);
        if ((b0 == 0x80 && b1 == 0x01) || b0 == 0x82) {
            return ThriftProxyConfig.Transport.UNFRAMED;
        }
        if (in.getUnsignedShort(i + 4) == HEADER_MAGIC) {
            return ThriftProxyConfig.Transport.HEADER;
        }
        int b4 = in.getUnsignedByte(i + 4);
        if ((b4 == 0x80 && in.getUnsignedByte(i + 5) == 0x01) || b4 == 0x82) {
            return ThriftProxyConfig.Transport.FRAMED;
        }
        throw new ThriftDecodeException(String.format("unknown thrift auto transport frame start %02x %02x %02x %02x",
                b0, b1, in.getUnsignedByte(i + 2), in.getUnsignedByte(i + 3)));
    }

    private void detectProtocol(ByteBuf in) {
        if (codec != null) {
            return;
        }
        int b0 = in.getUnsignedByte(in.readerIndex());
        if (b0 == 0x80 && in.getUnsignedByte(in.readerIndex() + 1) == 0x01) {
            protocol = ThriftProxyConfig.Protocol.BINARY;
        } else if (b0 == 0x82) {
            protocol = ThriftProxyConfig.Protocol.COMPACT;
        } else {
            throw new ThriftDecodeException(String.format("unknown thrift auto protocol message start %02x", b0));
        }
        codec = ThriftCodec.of(protocol);
    }

    private static int frameSize(ByteBuf in, String what) {
        int size = in.getInt(in.readerIndex());
        if (size <= 0 || size > MAX_FRAME_SIZE) {
            throw new ThriftDecodeException("invalid thrift " + what + " transport frame size " + size);
        }
        return size;
    }

    private ThriftMessage framed(ByteBuf in) {
        if (in.readableBytes() < 4) {
            return null;
        }
        int size = frameSize(in, "framed");
        if (in.readableBytes() < 4 + size) {
            return null;
        }
        ByteBuf frame = in.slice(in.readerIndex() + 4, size);
        ThriftMessage m = new ThriftMessage();
        message(frame, m);
        in.skipBytes(4 + size);
        m.wireSize = 4 + size;
        return m;
    }

    /** The message begin and struct of a whole frame's payload; the body is the rest of the payload. */
    private void message(ByteBuf payload, ThriftMessage m) {
        if (payload.readableBytes() < 2) {
            throw new ThriftDecodeException("thrift frame too short for a message");
        }
        detectProtocol(payload);
        codec.reset();
        try {
            codec.readMessageBegin(payload, m);
        } catch (IndexOutOfBoundsException e) {
            throw new ThriftDecodeException("thrift message begin past the frame's end");
        }
        m.protocol = protocol;
        ByteBuf body = payload.slice();
        try {
            ThriftTranscoder.copyStruct(codec, payload, null, null, 0);
        } catch (IndexOutOfBoundsException | ThriftDecodeException e) {
            failed = m;
            throw e instanceof ThriftDecodeException d ? d : new ThriftDecodeException("thrift struct past the frame's end");
        }
        m.body = body.retain();
    }

    private ThriftMessage unframed(ByteBuf in) {
        if (in.readableBytes() < 2) {
            return null;
        }
        ByteBuf view = in.duplicate();
        detectProtocol(view);
        codec.reset();
        ThriftMessage m = new ThriftMessage();
        int bodyStart;
        try {
            codec.readMessageBegin(view, m);
            bodyStart = view.readerIndex();
            ThriftTranscoder.copyStruct(codec, view, null, null, 0);
        } catch (IndexOutOfBoundsException e) {
            if (in.readableBytes() > MAX_FRAME_SIZE) {
                throw new ThriftDecodeException("unframed thrift message larger than " + MAX_FRAME_SIZE);
            }
            return null;
        } catch (ThriftDecodeException e) {
            failed = m.name == null ? null : m;
            throw e;
        }
        m.protocol = protocol;
        m.body = in.retainedSlice(bodyStart, view.readerIndex() - bodyStart);
        m.wireSize = view.readerIndex() - in.readerIndex();
        in.readerIndex(view.readerIndex());
        return m;
    }

    private ThriftMessage header(ByteBuf in) {
        if (in.readableBytes() < 4) {
            return null;
        }
        int size = frameSize(in, "header");
        if (in.readableBytes() < 4 + size) {
            return null;
        }
        ByteBuf frame = in.slice(in.readerIndex() + 4, size);
        ThriftMessage m = new ThriftMessage();
        try {
            int magic = frame.readUnsignedShort();
            if (magic != HEADER_MAGIC) {
                throw new ThriftDecodeException(String.format("invalid thrift header transport magic %04x", magic));
            }
            m.headerFlags = frame.readUnsignedShort();
            frame.skipBytes(4); // the frame's sequence id: the message's is used
            int headerSize = frame.readUnsignedShort() * 4;
            if (headerSize == 0 || headerSize > frame.readableBytes()) {
                throw new ThriftDecodeException("invalid thrift header transport header size " + headerSize);
            }
            ByteBuf h = frame.readSlice(headerSize);
            ThriftProxyConfig.Protocol p = switch (CompactCodec.readVarint32(h)) {
                case 0 -> ThriftProxyConfig.Protocol.BINARY;
                case 2 -> ThriftProxyConfig.Protocol.COMPACT;
                default -> throw new ThriftDecodeException("unknown protocol in thrift header transport");
            };
            if (protocol == ThriftProxyConfig.Protocol.AUTO || codec == null) {
                protocol = p;
                codec = ThriftCodec.of(p);
            } else if (protocol != p) {
                throw new ThriftDecodeException("transport reports protocol " + p + ", but configured for " + protocol);
            }
            int transforms = CompactCodec.readVarint32(h);
            if (transforms != 0) {
                throw new ThriftDecodeException("thrift header transport transforms are not supported");
            }
            while (h.isReadable()) {
                int info = CompactCodec.readVarint32(h);
                if (info == 0) {
                    break; // padding
                }
                if (info != 1) {
                    throw new ThriftDecodeException("unknown thrift header transport info id " + info);
                }
                int n = CompactCodec.readVarint32(h);
                for (int i = 0; i < n; i++) {
                    String k = string(h);
                    String v = string(h);
                    m.headers.put(preserveCase ? k : k.toLowerCase(java.util.Locale.ROOT), v);
                }
            }
        } catch (IndexOutOfBoundsException e) {
            throw new ThriftDecodeException("thrift header transport header past the frame's end");
        }
        message(frame, m);
        in.skipBytes(4 + size);
        m.wireSize = 4 + size;
        return m;
    }

    private static String string(ByteBuf h) {
        int len = ThriftCodec.checkSize(CompactCodec.readVarint32(h));
        String s = h.toString(h.readerIndex(), len, StandardCharsets.UTF_8);
        h.skipBytes(len);
        return s;
    }
}

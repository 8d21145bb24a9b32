package io.remora.extensions.common.aws;

import io.netty.buffer.ByteBuf;

import java.nio.ByteBuffer;
import java.security.MessageDigest;

/** The hex SHA-256 of a request body held in buffers, read without consuming them. */
public final class PayloadHash {

    private PayloadHash() {
    }

    /** Over {@code first} then {@code second}; either may be null. */
    public static String of(ByteBuf first, ByteBuf second) {
        MessageDigest md = SigV4Signer.sha256();
        update(md, first);
        update(md, second);
        return SigV4Signer.hex(md.digest());
    }

    private static void update(MessageDigest md, ByteBuf b) {
        if (b == null || !b.isReadable()) {
            return;
        }
        for (ByteBuffer nio : b.nioBuffers(b.readerIndex(), b.readableBytes())) {
            md.update(nio);
        }
    }
}

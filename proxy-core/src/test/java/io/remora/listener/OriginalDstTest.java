package io.remora.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class OriginalDstTest {

    @Test
    void parsesSockaddrIn() {
        // AF_INET=2 (little-endian host order), port 8080 big-endian, 10.1.2.3, zero padding.
        ByteBuffer b = ByteBuffer.wrap(new byte[] {2, 0, 0x1f, (byte) 0x90, 10, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0});
        assertEquals(new InetSocketAddress("10.1.2.3", 8080), OriginalDst.parse(b));
    }

    @Test
    void parsesSockaddrIn6() {
        byte[] raw = new byte[28];
        raw[0] = 10; // AF_INET6
        raw[2] = 0x01;
        raw[3] = (byte) 0xbb; // 443
        raw[8] = (byte) 0xfd;
        raw[23] = 1; // fd00::1
        assertEquals(new InetSocketAddress("fd00::1", 443), OriginalDst.parse(ByteBuffer.wrap(raw)));
    }
}

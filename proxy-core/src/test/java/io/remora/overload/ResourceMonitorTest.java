package io.remora.overload;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The memory monitors read what the JVM holds: fixed_heap follows live data that survived a
 * collection (not eden's garbage), direct memory follows Netty's and the JDK's direct buffers.
 */
class ResourceMonitorTest {

    private static final int MB = 1 << 20;

    @Test
    void heapPressureFollowsRetainedData() {
        long max = Runtime.getRuntime().maxMemory();
        ResourceMonitor.Heap heap = new ResourceMonitor.Heap("heap", max);
        byte[][] keep = new byte[64][];
        for (int i = 0; i < keep.length; i++) {
            keep[i] = new byte[MB];
        }
        System.gc(); // what survives a collection is live data
        double with = heap.pressure();
        assertTrue(with * max >= 64.0 * MB, "64 MiB retained, pressure " + with);
        keep = null;
        System.gc();
        double without = heap.pressure();
        assertTrue((with - without) * max >= 48.0 * MB, "released 64 MiB: " + with + " -> " + without);
        // Against a smaller capacity the same data is proportionally more pressure.
        assertTrue(new ResourceMonitor.Heap("heap", max / 4).pressure() > without);
    }

    @Test
    void directMemoryPressureFollowsDirectBuffers() {
        long max = 256L * MB;
        ResourceMonitor.DirectMemory direct = new ResourceMonitor.DirectMemory("direct", max);
        double before = direct.pressure();
        ByteBuffer jdk = ByteBuffer.allocateDirect(32 * MB);
        ByteBuf netty = Unpooled.directBuffer(32 * MB);
        try {
            double during = direct.pressure();
            assertTrue((during - before) * max >= 32.0 * MB, "32 MiB more direct memory: " + before + " -> " + during);
        } finally {
            netty.release();
        }
        assertTrue(jdk.capacity() == 32 * MB);
    }
}

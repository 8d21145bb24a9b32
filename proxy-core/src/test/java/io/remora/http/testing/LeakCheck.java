package io.remora.http.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Captures Netty's leak reports (the detector runs at paranoid in tests). Netty logs through
 * java.util.logging here, under the detector's class name.
 */
public final class LeakCheck {
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();
    private static final Logger LOGGER = Logger.getLogger("io.netty.util.ResourceLeakDetector");

    static {
        LOGGER.addHandler(new Handler() {
            @Override
            public void publish(LogRecord r) {
                String m = r.getMessage();
                if (m != null && m.contains("LEAK")) {
                    LEAKS.add(m);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
        LOGGER.setLevel(Level.ALL);
    }

    private LeakCheck() {
    }

    public static void install() {
        // class initialisation does the work
    }

    /** Forces collection so leaked buffers get reported, then returns what was reported. */
    public static List<String> leaks() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
            // Reports are emitted when new buffers are tracked.
            for (int j = 0; j < 200; j++) {
                ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(16);
                b.release();
            }
        }
        return List.copyOf(LEAKS);
    }
}

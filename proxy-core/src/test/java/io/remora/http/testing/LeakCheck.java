package io.remora.http.testing;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.reflect.Field;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Collects Netty's leak reports (the detector runs at paranoid in tests) and fails the test class
 * on any: as a JUnit extension ({@code @ExtendWith(LeakCheck.class)}), or by {@link #install()}
 * then {@link #leaks()}.
 *
 * <p>The ByteBuf detector is created once per JVM, when the first buffer class loads, so a
 * replacement detector factory would only work for whichever test class ran first; a listener on
 * the existing detector works in any order. Other detectors (TLS engines) are caught from
 * Netty's java.util.logging output.
 */
public final class LeakCheck implements BeforeAllCallback, AfterAllCallback {

    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();
    private static final Logger LOGGER = Logger.getLogger("io.netty.util.ResourceLeakDetector");

    static {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        byteBufDetector().setLeakListener((type, records) -> LEAKS.add(type + " leaked: " + records));
        LOGGER.addHandler(new Handler() {
            @Override
            public void publish(LogRecord r) {
                String m = r.getMessage();
                if (m != null && m.contains("LEAK") && !m.contains("ByteBuf.release()")) {
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

    @SuppressWarnings("unchecked")
    private static ResourceLeakDetector<ByteBuf> byteBufDetector() {
        try {
            Field f = AbstractByteBuf.class.getDeclaredField("leakDetector");
            f.setAccessible(true);
            return (ResourceLeakDetector<ByteBuf>) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot reach Netty's ByteBuf leak detector", e);
        }
    }

    /** Starts collecting (class initialisation does the work). */
    public static void install() {
    }

    /**
     * Collects garbage and lets the detectors poll their queues, then returns what was reported
     * since the last call and forgets it.
     */
    public static List<String> leaks() throws InterruptedException {
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(40);
            // Reports are emitted when new buffers are tracked.
            for (int j = 0; j < 64; j++) {
                ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(16);
                b.release();
            }
        }
        List<String> out = List.copyOf(LEAKS);
        LEAKS.clear();
        return out;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        LEAKS.clear();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        List<String> leaks = leaks();
        if (!leaks.isEmpty()) {
            fail("ByteBuf leaks detected:\n" + String.join("\n\n", leaks));
        }
    }
}

package io.remora.http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A few seconds of {@link CodecFuzzer} on every build: no exception reaches the end of a pipeline,
 * nothing leaks (LeakCheck, paranoid), nothing hangs. The seed is printed to replay a failure.
 */
@ExtendWith(LeakCheck.class)
class CodecFuzzTest {

    @Test
    void codecsSurviveRandomisedInput() throws Exception {
        List<String> unhandled = new CopyOnWriteArrayList<>();
        Handler watch = new Handler() {
            @Override
            public void publish(LogRecord r) {
                String m = String.valueOf(r.getMessage());
                if (m.contains("reached at the tail of the pipeline") || m.contains("Unexpected exception")) {
                    unhandled.add(m + ": " + r.getThrown());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger netty = Logger.getLogger("io.netty");
        netty.addHandler(watch);
        long seed = System.nanoTime();
        try {
            CodecFuzzer.Report r = CodecFuzzer.run(Duration.ofSeconds(4), seed);
            System.out.println("codec fuzz seed " + seed + ": " + r);
            assertTrue(r.inputs() > 20, "too few inputs: " + r);
        } finally {
            netty.removeHandler(watch);
        }
        assertTrue(unhandled.isEmpty(), "seed " + seed + ": exceptions escaped a pipeline: " + unhandled);
    }
}

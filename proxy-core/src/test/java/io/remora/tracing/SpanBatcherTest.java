package io.remora.tracing;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

class SpanBatcherTest {

    private static FinishedSpan span(String name) {
        return new FinishedSpan("t", "s", null, name, FinishedSpan.Kind.SERVER, 0, 1, Map.of(), false, null);
    }

    @Test
    void anExporterThatThrowsLosesItsBatchButNotTheTimer() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        LinkedBlockingQueue<List<FinishedSpan>> sent = new LinkedBlockingQueue<>();
        try (SpanBatcher batcher = new SpanBatcher("batcher-test", 20, spans -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("exporter bug");
            }
            sent.add(spans);
        })) {
            batcher.add(span("lost"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (calls.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1, calls.get(), "the first timer flush reached the exporter");
            batcher.add(span("after"));
            List<FinishedSpan> next = sent.poll(10, TimeUnit.SECONDS);
            assertNotNull(next, "the timer flushed again after the exporter threw");
            assertEquals("after", next.get(0).name());
        }
    }
}

package io.remora.accesslog;

import io.remora.config.AccessLogConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AccessLogWriterTest {

    @TempDir
    Path dir;

    @Test
    void fileSinkAppendsAndFlushesSharedPerPath() throws Exception {
        Path file = dir.resolve("access.log");
        Files.writeString(file, "existing\n");
        try (AccessLogs logs = new AccessLogs(60_000, 1024)) {
            AccessLogConfig a = AccessLogConfig.builder(AccessLogConfig.Sink.FILE).path(file.toString())
                    .textFormat("%REQ(:METHOD)% %RESPONSE_CODE%\n").build();
            AccessLogConfig b = AccessLogConfig.builder(AccessLogConfig.Sink.FILE)
                    .path(dir.resolve("./access.log").toString()).jsonFormat(java.util.Map.of("code", "%RESPONSE_CODE%"))
                    .build();
            List<AccessLog> built = logs.create(List.of(a, b));
            assertSame(logs.writer(a), logs.writer(b));
            StreamInfo i = new StreamInfo();
            i.method("GET");
            i.responseCode = 200;
            built.get(0).log(i);
            built.get(1).log(i);
            logs.flush();
            assertEquals("existing\nGET 200\n{\"code\":200}\n", Files.readString(file));
        }
    }

    /**
     * Envoy writes a header's bytes as they came: a UTF-8 value Netty holds as one char per byte is
     * written as those bytes, not encoded a second time; the config's own text (a lone U+00E9, a
     * CJK char, an emoji) is UTF-8.
     */
    @Test
    void headerBytesAreWrittenAsTheyCameAndTheConfigsTextAsUtf8() throws Exception {
        Path file = dir.resolve("bytes.log");
        try (AccessLogs logs = new AccessLogs(60_000, 1024)) {
            AccessLog log = logs.create(List.of(AccessLogConfig.builder(AccessLogConfig.Sink.FILE).path(file.toString())
                    .textFormat("%REQ(x-name)% \u00e9\u6f22\ud83d\ude00 %REQ(x-latin)%\n").build())).get(0);
            StreamInfo i = new StreamInfo();
            i.requestHeaders = new io.netty.handler.codec.http2.DefaultHttp2Headers()
                    .add("x-name", new String("caf\u00e9".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1))
                    .add("x-latin", "caf\u00e9");
            log.log(i);
            logs.flush();
            assertEquals("caf\u00e9 \u00e9\u6f22\ud83d\ude00 caf\u00e9\n", Files.readString(file, StandardCharsets.UTF_8));
        }
    }

    @Test
    void flushIntervalWritesWithoutAnExplicitFlush() throws Exception {
        Path file = dir.resolve("timed.log");
        try (AccessLogs logs = new AccessLogs(20, 1024)) {
            AccessLog log = logs.create(List.of(AccessLogConfig.builder(AccessLogConfig.Sink.FILE)
                    .path(file.toString()).textFormat("%RESPONSE_CODE%\n").build())).get(0);
            StreamInfo i = new StreamInfo();
            i.responseCode = 404;
            log.log(i);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!(Files.exists(file) && Files.readString(file).equals("404\n")) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals("404\n", Files.readString(file));
        }
    }

    @Test
    void fullQueueDropsAndCountsInsteadOfBlocking() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        StringBuilder seen = new StringBuilder();
        OutputStream blocking = new OutputStream() {
            @Override
            public void write(int b) {
                throw new UnsupportedOperationException();
            }

            @Override
            public synchronized void write(byte[] b, int off, int len) throws IOException {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                seen.append(new String(b, off, len, StandardCharsets.UTF_8));
            }
        };
        AccessLogWriter w = AccessLogWriter.stream("test", blocking, 1, 1);
        try {
            assertTrue(w.write("one\n"));
            assertTrue(entered.await(10, TimeUnit.SECONDS)); // the writer thread is now stuck in write()
            assertTrue(w.write("two\n"));
            assertFalse(w.write("three\n"));
            assertEquals(1, w.dropped());
            release.countDown();
            assertTrue(w.flush(10, TimeUnit.SECONDS));
            synchronized (blocking) {
                assertEquals("one\ntwo\n", seen.toString());
            }
        } finally {
            release.countDown();
            w.close();
        }
    }
}

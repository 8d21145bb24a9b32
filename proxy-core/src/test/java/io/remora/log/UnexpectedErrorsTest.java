package io.remora.log;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Bugs are warned about, at a bounded rate; a peer's I/O errors are not. */
class UnexpectedErrorsTest {

    @Test
    void aBugIsAWarningOncePerIntervalAndAPeersIoErrorNever() {
        Logger log = Logger.getLogger("unexpected-errors-test");
        log.setUseParentHandlers(false);
        log.setLevel(Level.ALL);
        List<Level> levels = new ArrayList<>();
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                levels.add(r.getLevel());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(h);
        UnexpectedErrors errors = new UnexpectedErrors(3_600_000_000_000L);
        errors.report(log, "peer", new IOException("Connection reset by peer"));
        errors.report(log, "bug", new NullPointerException());
        errors.report(log, "bug again", new IllegalStateException());
        assertEquals(List.of(Level.FINE, Level.WARNING, Level.FINE), levels);
        log.removeHandler(h);
    }
}

package io.remora.log;

import io.remora.testing.LogCapture;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
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
        try (LogCapture c = LogCapture.on(log)) {
            UnexpectedErrors errors = new UnexpectedErrors(3_600_000_000_000L);
            errors.report(log, "peer", new IOException("Connection reset by peer"));
            errors.report(log, "bug", new NullPointerException());
            errors.report(log, "bug again", new IllegalStateException());
            assertEquals(List.of(Level.FINE, Level.WARNING, Level.FINE),
                    c.records().stream().map(LogRecord::getLevel).toList());
        }
    }
}

package io.remora.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The records a logger (and its children) publishes while open: {@code try (LogCapture c = LogCapture.on(l))}.
 * Records come from any thread (event loops, the xDS client).
 */
public final class LogCapture extends Handler implements AutoCloseable {
    private final Logger logger;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    private LogCapture(Logger logger) {
        this.logger = logger;
    }

    public static LogCapture on(Logger logger) {
        LogCapture c = new LogCapture(logger);
        logger.addHandler(c);
        return c;
    }

    public List<LogRecord> records() {
        return records;
    }

    /** Each record's message, in order. */
    public List<String> messages() {
        return records.stream().map(LogRecord::getMessage).toList();
    }

    @Override
    public void publish(LogRecord r) {
        records.add(r);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}

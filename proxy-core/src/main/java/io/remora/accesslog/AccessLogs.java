package io.remora.accesslog;

import io.remora.config.AccessLogConfig;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Builds access logs from config. Outputs are opened once per path and shared by every access
 * log (and every listener) that names them, so one file has one writer thread and lines are
 * never interleaved mid-line.
 */
public final class AccessLogs implements AutoCloseable {

    public static final long DEFAULT_FLUSH_INTERVAL_MILLIS = 1000;
    public static final int DEFAULT_QUEUE_CAPACITY = 64 * 1024;

    private final long flushIntervalMillis;
    private final int queueCapacity;
    private final Map<String, AccessLogWriter> writers = new ConcurrentHashMap<>();

    public AccessLogs() {
        this(DEFAULT_FLUSH_INTERVAL_MILLIS, DEFAULT_QUEUE_CAPACITY);
    }

    /** @param flushIntervalMillis {@code --file-flush-interval-msec} */
    public AccessLogs(long flushIntervalMillis, int queueCapacity) {
        this.flushIntervalMillis = flushIntervalMillis;
        this.queueCapacity = queueCapacity;
    }

    private volatile java.util.function.Supplier<io.remora.runtime.Runtime> runtime = () -> io.remora.runtime.Runtime.EMPTY;

    /** Where the logs' filters read runtime keys (status_code/duration values, runtime_filter); default: empty. */
    public AccessLogs runtime(java.util.function.Supplier<io.remora.runtime.Runtime> runtime) {
        this.runtime = runtime;
        return this;
    }

    private volatile java.util.function.Function<AccessLogConfig, AccessLog> external = c -> {
        throw new IllegalArgumentException("no factory for access logger " + c.external());
    };

    /** Builds the EXTERNAL sinks' loggers (gRPC access logs); called on the config thread. */
    public AccessLogs external(java.util.function.Function<AccessLogConfig, AccessLog> factory) {
        this.external = factory;
        return this;
    }

    /** One access log per config; throws IllegalArgumentException on a bad format, UncheckedIOException if a file cannot be opened. */
    public List<AccessLog> create(List<AccessLogConfig> configs) {
        List<AccessLog> out = new ArrayList<>(configs.size());
        for (AccessLogConfig c : configs) {
            AccessLog log;
            if (c.sink() == AccessLogConfig.Sink.EXTERNAL) {
                log = external.apply(c);
            } else {
                AccessLogFormatter f = c.jsonFormat() != null
                        ? AccessLogFormatter.json(c.jsonFormat(), c.omitEmptyValues(), c.commands())
                        : AccessLogFormatter.text(c.textFormat(), c.omitEmptyValues(), c.commands());
                AccessLogWriter w = writer(c);
                log = info -> w.write(f.format(info));
            }
            if (c.filter() == null) {
                out.add(log);
            } else {
                java.util.function.Predicate<StreamInfo> logged = AccessLogFilters.compile(c.filter(), () -> runtime.get());
                out.add(info -> {
                    if (logged.test(info)) {
                        log.log(info);
                    }
                });
            }
        }
        return List.copyOf(out);
    }

    /**
     * Writes one entry per log for the event {@code type}; a failing log never costs the stream or
     * connection it describes, nor the logs after it.
     */
    public static void emit(AccessLog[] logs, StreamInfo info, io.remora.config.AccessLogType type) {
        info.accessLogType(type);
        for (AccessLog log : logs) {
            try {
                log.log(info);
            } catch (RuntimeException e) {
                // as documented: skipped
            }
        }
    }

    /** The writer of a sink (shared per path). */
    public AccessLogWriter writer(AccessLogConfig c) {
        return switch (c.sink()) {
            case STDOUT -> writers.computeIfAbsent("/dev/stdout", k -> AccessLogWriter.stream(k,
                    new FileOutputStream(FileDescriptor.out), flushIntervalMillis, queueCapacity));
            case STDERR -> writers.computeIfAbsent("/dev/stderr", k -> AccessLogWriter.stream(k,
                    new FileOutputStream(FileDescriptor.err), flushIntervalMillis, queueCapacity));
            case FILE -> {
                String key = Path.of(c.path()).toAbsolutePath().normalize().toString();
                yield writers.computeIfAbsent(key, k -> {
                    try {
                        return AccessLogWriter.file(c.path(), flushIntervalMillis, queueCapacity);
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot open access log " + c.path() + ": " + e.getMessage(), e);
                    }
                });
            }
            case EXTERNAL -> throw new IllegalArgumentException("an external access logger has no writer");
        };
    }

    /** Lines dropped across all outputs because a queue was full. */
    public long dropped() {
        long n = 0;
        for (AccessLogWriter w : writers.values()) {
            n += w.dropped();
        }
        return n;
    }

    /** Envoy's /reopen_logs: reopen every file (after rotation). */
    public void reopen() {
        writers.values().forEach(AccessLogWriter::reopen);
    }

    public void flush() throws InterruptedException {
        for (AccessLogWriter w : writers.values()) {
            w.flush(5, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() {
        writers.values().forEach(AccessLogWriter::close);
        writers.clear();
    }
}

package io.remora.extensions.filters.common.tap;

import io.envoyproxy.envoy.config.tap.v3.OutputSink;
import io.envoyproxy.envoy.data.tap.v3.TraceWrapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code file_per_tap}: each trace (or each streamed trace's segments) in its own file, {@code <path_prefix>_<id><ext>} (Envoy's
 * FilePerTapSink). Encoding and writing run on one background thread, never on an event loop.
 */
public final class FilePerTapSink implements TraceSink {

    private static final Logger LOG = io.remora.log.Logging.logger("filter");

    /** Shared by every tap: files are written one at a time, off the event loops. */
    static final ScheduledExecutorService WRITER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "remora-tap-writer");
        t.setDaemon(true);
        return t;
    });

    private final String pathPrefix;
    private final OutputSink.Format format;
    /** Streamed traces come in segments, each added to its trace's file. */
    private final java.nio.file.OpenOption[] options;

    public FilePerTapSink(String pathPrefix, OutputSink.Format format, boolean streaming) {
        this.pathPrefix = pathPrefix;
        this.format = format;
        this.options = streaming ? new java.nio.file.OpenOption[] {StandardOpenOption.CREATE, StandardOpenOption.APPEND}
                : new java.nio.file.OpenOption[0];
    }

    @Override
    public void submit(TraceWrapper trace, long traceId) {
        try {
            WRITER.execute(() -> write(trace, traceId));
        } catch (RejectedExecutionException e) {
            LOG.fine("tap: trace " + Long.toUnsignedString(traceId) + " dropped at shutdown");
        }
    }

    private void write(TraceWrapper trace, long traceId) {
        Path path = Path.of(pathPrefix + "_" + Long.toUnsignedString(traceId) + TraceEncoding.extension(format));
        try {
            Files.write(path, TraceEncoding.encode(trace, format), options);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "tap: cannot write " + path + ": " + e);
        }
    }
}

package io.remora.extensions.filters.http.ext_proc;

/**
 * The back-pressure of one direction (Envoy's watermark on its chunk queue): while too much is
 * held for the processor, reading stops (downstream for a request, upstream for a response) until
 * what is held goes on. Event-loop confined.
 */
final class ExtProcWatermark {

    private final ExtProcFilter filter;
    private final boolean request;
    private boolean paused;

    ExtProcWatermark(ExtProcFilter filter, boolean request) {
        this.filter = filter;
        this.request = request;
    }

    /** {@code held} bytes are held now: stop reading when they pass the buffer limit. */
    void held(long held) {
        if (!paused && held > filter.bufferLimit()) {
            paused = true;
            filter.holdBack(request, true);
        }
    }

    /** Reading may go on. */
    void clear() {
        if (paused) {
            paused = false;
            filter.holdBack(request, false);
        }
    }
}

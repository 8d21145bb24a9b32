package io.remora.accesslog;

/**
 * One configured access log. Implementations format on the calling event loop and hand the line
 * to a writer that never blocks it.
 */
public interface AccessLog {
    void log(StreamInfo info);
}

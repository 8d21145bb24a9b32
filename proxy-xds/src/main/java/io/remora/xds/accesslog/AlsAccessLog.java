package io.remora.xds.accesslog;

import io.remora.accesslog.AccessLog;
import io.remora.accesslog.StreamInfo;

/**
 * One {@code http_grpc} or {@code tcp_grpc} log: the entry is built from the stream's info on its
 * event loop (the info changes after), then queued for the shared exporter's thread.
 */
final class AlsAccessLog implements AccessLog {

    private final AlsAccessLogConfig config;
    private final AlsStreamExporter exporter;

    AlsAccessLog(AlsAccessLogConfig config, AlsStreamExporter exporter) {
        this.config = config;
        this.exporter = exporter;
        // Envoy's entries carry the stream's wire and header byte meters: the codecs count from now on.
        io.remora.accesslog.WireBytes.want();
    }

    @Override
    public void log(StreamInfo info) {
        exporter.add(config.tcp() ? AlsEntries.tcp(info) : AlsEntries.http(info, config.requestHeaders(),
                config.responseHeaders(), config.responseTrailers()));
    }
}

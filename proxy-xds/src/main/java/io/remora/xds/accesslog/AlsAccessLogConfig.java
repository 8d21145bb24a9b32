package io.remora.xds.accesslog;

import java.util.List;

/**
 * {@code envoy.access_loggers.http_grpc} or {@code tcp_grpc}, translated: the external config of
 * an {@link io.remora.config.AccessLogConfig.Sink#EXTERNAL} log.
 *
 * @param tcp              true for tcp_grpc (TCPAccessLogEntry), false for http_grpc (HTTPAccessLogEntry)
 * @param requestHeaders   {@code additional_request_headers_to_log} (lower case)
 * @param responseHeaders  {@code additional_response_headers_to_log}
 * @param responseTrailers {@code additional_response_trailers_to_log}
 */
public record AlsAccessLogConfig(GrpcLogTarget target, boolean tcp, List<String> requestHeaders,
                                 List<String> responseHeaders, List<String> responseTrailers) {
    public AlsAccessLogConfig {
        requestHeaders = List.copyOf(requestHeaders);
        responseHeaders = List.copyOf(responseHeaders);
        responseTrailers = List.copyOf(responseTrailers);
    }

    public static AlsAccessLogConfig tcp(GrpcLogTarget target) {
        return new AlsAccessLogConfig(target, true, List.of(), List.of(), List.of());
    }

    AlsStreamExporter.Key exporter() {
        return new AlsStreamExporter.Key(target, tcp);
    }
}

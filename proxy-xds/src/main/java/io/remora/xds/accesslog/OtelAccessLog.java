package io.remora.xds.accesslog;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.remora.accesslog.AccessLog;
import io.remora.accesslog.StreamInfo;

/**
 * One {@code envoy.access_loggers.open_telemetry} log: on the stream's event loop, a LogRecord
 * stamped with the stream's start time, its {@code body} and {@code attributes} formatted, and the
 * trace and span ids when the stream is traced; the shared exporter sends it later, off the event loop.
 */
final class OtelAccessLog implements AccessLog {

    private final OtelValueFormatter body;
    private final OtelValueFormatter attributes;
    private final OtelLogExporter exporter;

    OtelAccessLog(OtelAccessLogConfig config, OtelLogExporter exporter) {
        this.body = config.body() == null ? null : OtelValueFormatter.of(config.body(), config.commands());
        this.attributes = config.attributes().getValuesCount() == 0 ? null
                : OtelValueFormatter.of(config.attributes(), config.commands());
        this.exporter = exporter;
    }

    @Override
    public void log(StreamInfo info) {
        LogRecord.Builder r = LogRecord.newBuilder().setTimeUnixNano(info.startMillis * 1_000_000L);
        if (body != null) {
            r.setBody(body.format(info));
        }
        if (attributes != null) {
            r.addAllAttributes(attributes.format(info).getKvlistValue().getValuesList());
        }
        ByteString traceId = hexId(info.traceId(), 16);
        if (traceId != null) {
            r.setTraceId(traceId);
            ByteString spanId = hexId(info.spanId(), 8);
            if (spanId != null) {
                r.setSpanId(spanId);
            }
        }
        exporter.add(r.build());
    }

    /**
     * An id of {@code bytes} bytes as OTLP wants it: a trace id of 64 bits (Zipkin, Datadog) is
     * left-padded with zeros to 16 bytes, as Envoy does; anything else that is not hex of those
     * lengths (SkyWalking's ids) is left out.
     */
    static ByteString hexId(String hex, int bytes) {
        if (hex == null || hex.length() != 2 * bytes && !(bytes == 16 && hex.length() == 16)) {
            return null;
        }
        byte[] out = new byte[bytes];
        int off = bytes - hex.length() / 2;
        for (int i = 0; i < hex.length() / 2; i++) {
            int hi = Character.digit(hex.charAt(2 * i), 16);
            int lo = Character.digit(hex.charAt(2 * i + 1), 16);
            if (hi < 0 || lo < 0) {
                return null;
            }
            out[off + i] = (byte) (hi << 4 | lo);
        }
        return ByteString.copyFrom(out);
    }
}

package io.remora.extensions.filters.common.tap;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.TextFormat;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.tap.v3.OutputSink;
import io.envoyproxy.envoy.data.tap.v3.TraceWrapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** A trace in a sink's output format, and the file name extension Envoy gives that format. */
public final class TraceEncoding {

    // As Envoy's getJsonStringFromMessage(trace, pretty, always_print_primitive_fields): proto
    // field names, and empty lists and default scalars printed.
    private static final JsonFormat.Printer JSON = JsonFormat.printer().preservingProtoFieldNames()
            .alwaysPrintFieldsWithNoPresence();

    private TraceEncoding() {
    }

    public static byte[] encode(TraceWrapper trace, OutputSink.Format format) {
        try {
            return switch (format) {
                case JSON_BODY_AS_BYTES, JSON_BODY_AS_STRING ->
                        (JSON.print(trace) + "\n").getBytes(StandardCharsets.UTF_8);
                case PROTO_BINARY -> trace.toByteArray();
                case PROTO_BINARY_LENGTH_DELIMITED -> {
                    ByteArrayOutputStream out = new ByteArrayOutputStream(trace.getSerializedSize() + 5);
                    trace.writeDelimitedTo(out);
                    yield out.toByteArray();
                }
                case PROTO_TEXT -> TextFormat.printer().printToString(trace).getBytes(StandardCharsets.UTF_8);
                default -> throw new IllegalArgumentException("format " + format);
            };
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Envoy's MessageUtil::FileExtensions for the format. */
    public static String extension(OutputSink.Format format) {
        return switch (format) {
            case PROTO_BINARY -> ".pb";
            case PROTO_BINARY_LENGTH_DELIMITED -> ".pb_length_delimited";
            case PROTO_TEXT -> ".pb_text";
            default -> ".json";
        };
    }
}

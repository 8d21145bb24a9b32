package io.remora.xds.tracing;

import com.google.protobuf.CodedOutputStream;
import io.remora.tracing.FinishedSpan;
import io.remora.tracing.SkyWalkingContext;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Set;

/**
 * A request's span as the {@code skywalking.v3.SegmentObject} Envoy's tracer reports, written
 * field by field (the SkyWalking protos are not a dependency): an Entry span with the connection
 * manager's tags and an Exit span with the upstream's (one per try when the router spawns them), all Http layer, component 9000 (Envoy's
 * id in SkyWalking's component list), both referring to the caller's segment when it sent
 * {@code sw8}. Envoy's tag names are SkyWalking's where it renames them: {@code http.url} is
 * {@code url}, {@code http.status_code} {@code status_code}, {@code peer.address} the span's peer,
 * {@code error} also the span's error flag.
 */
final class SkyWalkingSegmentEncoder {

    static final int COMPONENT_ENVOY = 9000;
    private static final int SPAN_TYPE_EXIT = 1;
    private static final int SPAN_LAYER_HTTP = 3;
    /** The tags Envoy's router puts on its upstream (Exit) span. */
    private static final Set<String> EXIT_TAGS = Set.of("component", "http.protocol", "http.status_code",
            "response_flags", "error", "upstream_cluster", "upstream_cluster.name");

    private SkyWalkingSegmentEncoder() {
    }

    static byte[] segment(FinishedSpan s) {
        SkyWalkingContext c = s.skyWalking();
        return message(out -> {
            string(out, 1, c.traceId());
            string(out, 2, c.segmentId());
            out.writeByteArray(3, span(s, c, false));
            if (c.tries() == null) {
                out.writeByteArray(3, span(s, c, true));
            } else {
                for (SkyWalkingContext.ExitSpan t : c.tries()) {
                    out.writeByteArray(3, trySpan(t, c));
                }
            }
            string(out, 4, c.service());
            string(out, 5, c.serviceInstance());
        });
    }

    private static byte[] span(FinishedSpan s, SkyWalkingContext c, boolean exit) {
        return message(out -> {
            int32(out, 1, exit ? 1 : 0);
            int32(out, 2, exit ? 0 : -1);
            int64(out, 3, s.startEpochNanos() / 1_000_000L);
            int64(out, 4, s.endEpochNanos() / 1_000_000L);
            if (c.parent() != null) {
                out.writeByteArray(5, reference(c));
            }
            string(out, 6, c.entryOperation());
            String peer = exit ? c.exitPeer() : s.attributes().get("peer.address");
            string(out, 7, peer == null ? "" : peer);
            int32(out, 8, exit ? SPAN_TYPE_EXIT : 0);
            int32(out, 9, SPAN_LAYER_HTTP);
            int32(out, 10, COMPONENT_ENVOY);
            if (s.error()) {
                out.writeBool(11, true);
            }
            for (Map.Entry<String, String> e : s.attributes().entrySet()) {
                if (exit ? EXIT_TAGS.contains(e.getKey()) : !e.getKey().equals("peer.address")) {
                    out.writeByteArray(12, tag(tagName(e.getKey()), e.getValue()));
                }
            }
            if (exit) {
                out.writeByteArray(12, tag("upstream_address", c.exitPeer()));
            }
            if (!exit && c.skipAnalysis()) {
                out.writeBool(14, true);
            }
        });
    }

    /**
     * A try's Exit span, as Envoy's router makes it through Span::spawnChild: the request's Entry
     * span as parent, every tag of the try's span (SkyWalking's names; {@code peer.address} is the
     * span's peer, {@code error} also its error flag).
     */
    private static byte[] trySpan(SkyWalkingContext.ExitSpan t, SkyWalkingContext c) {
        return message(out -> {
            int32(out, 1, t.spanId());
            int64(out, 3, t.startEpochNanos() / 1_000_000L);
            int64(out, 4, t.endEpochNanos() / 1_000_000L);
            if (c.parent() != null) {
                out.writeByteArray(5, reference(c));
            }
            string(out, 6, t.operation());
            String peer = t.tags().get("peer.address");
            string(out, 7, peer == null ? "" : peer);
            int32(out, 8, SPAN_TYPE_EXIT);
            int32(out, 9, SPAN_LAYER_HTTP);
            int32(out, 10, COMPONENT_ENVOY);
            if (t.error()) {
                out.writeBool(11, true);
            }
            for (Map.Entry<String, String> e : t.tags().entrySet()) {
                if (!e.getKey().equals("peer.address")) {
                    out.writeByteArray(12, tag(tagName(e.getKey()), e.getValue()));
                }
            }
        });
    }

    private static String tagName(String envoyTag) {
        return switch (envoyTag) {
            case "http.url" -> "url";
            case "http.status_code" -> "status_code";
            default -> envoyTag;
        };
    }

    /** The caller's segment, a cross-process reference (refType 0). */
    private static byte[] reference(SkyWalkingContext c) {
        SkyWalkingContext.Parent p = c.parent();
        return message(out -> {
            string(out, 2, c.traceId());
            string(out, 3, p.traceSegmentId());
            int32(out, 4, p.spanId());
            string(out, 5, p.service());
            string(out, 6, p.serviceInstance());
            string(out, 7, p.endpoint());
            string(out, 8, p.addressUsedAtClient());
        });
    }

    private static byte[] tag(String key, String value) {
        return message(out -> {
            string(out, 1, key);
            string(out, 2, value);
        });
    }

    private interface Fields {
        void write(CodedOutputStream out) throws IOException;
    }

    private static byte[] message(Fields fields) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            fields.write(out);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** proto3: a default (empty, zero) value is not written. */
    private static void string(CodedOutputStream out, int field, String v) throws IOException {
        if (!v.isEmpty()) {
            out.writeString(field, v);
        }
    }

    private static void int32(CodedOutputStream out, int field, int v) throws IOException {
        if (v != 0) {
            out.writeInt32(field, v);
        }
    }

    private static void int64(CodedOutputStream out, int field, long v) throws IOException {
        if (v != 0) {
            out.writeInt64(field, v);
        }
    }
}

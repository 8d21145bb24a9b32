package io.remora.extensions.filters.istio.common;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Istio's metadata exchange wire formats: the node metadata a proxy sends as a serialized
 * {@code google.protobuf.Struct} — base64 in {@code x-envoy-peer-metadata} (HTTP), or inside a
 * {@code google.protobuf.Any} behind a magic/length header over ALPN {@code istio-peer-exchange}
 * (TCP). The filters hold their results as plain Java ({@link WorkloadMetadata}, maps).
 */
public final class PeerMetadataCodec {

    /** The HTTP headers (and the TCP exchange's Struct keys). */
    public static final String HEADER = "x-envoy-peer-metadata";
    public static final String HEADER_ID = "x-envoy-peer-metadata-id";
    /** The TCP exchange's initial header: magic, then the Any's length, both big-endian. */
    public static final int MAGIC = 0x3D230467;
    public static final int INITIAL_HEADER_LENGTH = 8;
    private static final String STRUCT_TYPE_URL = "type.googleapis.com/google.protobuf.Struct";

    /** The node metadata keys a proxy shares with its peers (what istio-proxy's exchange carries). */
    private static final List<String> SHARED_KEYS = List.of("NAME", "NAMESPACE", "OWNER", "WORKLOAD_NAME",
            "ISTIO_VERSION", "MESH_ID", "CLUSTER_ID", "LABELS", "PLATFORM_METADATA", "APP_CONTAINERS");

    private PeerMetadataCodec() {
    }

    /** What this proxy sends: the shared keys of its node metadata, serialized deterministically. */
    public static byte[] localStruct(Map<String, Object> nodeMetadata) {
        Struct.Builder b = Struct.newBuilder();
        for (String k : SHARED_KEYS) {
            Object v = nodeMetadata.get(k);
            if (v != null) {
                b.putFields(k, value(v));
            }
        }
        return deterministic(b.build());
    }

    /** The {@code x-envoy-peer-metadata} header value. */
    public static String headerValue(Map<String, Object> nodeMetadata) {
        return Base64.getEncoder().encodeToString(localStruct(nodeMetadata));
    }

    /** Reads {@code x-envoy-peer-metadata}; null when it is not base64 of a Struct. */
    public static WorkloadMetadata fromHeader(String value) {
        try {
            byte[] bytes = Base64.getDecoder().decode(stripPadding(value.trim()));
            return WorkloadMetadata.fromNodeMetadata(toMap(Struct.parseFrom(bytes)));
        } catch (IllegalArgumentException | InvalidProtocolBufferException e) {
            return null;
        }
    }

    private static String stripPadding(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '=') {
            end--;
        }
        String core = s.substring(0, end);
        // Istio decodes without padding; Java's decoder wants it back when the length needs it.
        return switch (core.length() % 4) {
            case 2 -> core + "==";
            case 3 -> core + "=";
            default -> core;
        };
    }

    /** The TCP exchange's payload (after the initial header): Any{Struct{metadata, id}}. */
    public static byte[] tcpPayload(Map<String, Object> nodeMetadata, String nodeId) {
        Struct.Builder data = Struct.newBuilder();
        try {
            data.putFields(HEADER, Value.newBuilder().setStructValue(Struct.parseFrom(localStruct(nodeMetadata))).build());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
        if (nodeId != null && !nodeId.isEmpty()) {
            data.putFields(HEADER_ID, Value.newBuilder().setStringValue(nodeId).build());
        }
        Any any = Any.newBuilder().setTypeUrl(STRUCT_TYPE_URL).setValue(ByteString.copyFrom(deterministic(data.build())))
                .build();
        return any.toByteArray();
    }

    /** A peer's TCP exchange payload; null when it is not an Any of a Struct. */
    public static TcpPeer fromTcpPayload(byte[] payload) {
        try {
            Any any = Any.parseFrom(payload);
            if (!any.getTypeUrl().endsWith("/google.protobuf.Struct")) {
                return null;
            }
            Struct data = Struct.parseFrom(any.getValue());
            Value meta = data.getFieldsMap().get(HEADER);
            Value id = data.getFieldsMap().get(HEADER_ID);
            WorkloadMetadata peer = meta != null && meta.hasStructValue()
                    ? WorkloadMetadata.fromNodeMetadata(toMap(meta.getStructValue())) : null;
            return new TcpPeer(peer, id != null ? id.getStringValue() : null);
        } catch (InvalidProtocolBufferException e) {
            return null;
        }
    }

    /** What a TCP peer sent: its workload (null if none) and node id (null if none). */
    public record TcpPeer(WorkloadMetadata workload, String id) {
    }

    private static byte[] deterministic(Struct s) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(s.getSerializedSize());
            CodedOutputStream cos = CodedOutputStream.newInstance(out);
            cos.useDeterministicSerialization();
            s.writeTo(cos);
            cos.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Value value(Object v) {
        Value.Builder b = Value.newBuilder();
        if (v instanceof String s) {
            b.setStringValue(s);
        } else if (v instanceof Number n) {
            b.setNumberValue(n.doubleValue());
        } else if (v instanceof Boolean bool) {
            b.setBoolValue(bool);
        } else if (v instanceof Map<?, ?> m) {
            Struct.Builder sb = Struct.newBuilder();
            m.forEach((k, x) -> {
                if (x != null) {
                    sb.putFields(String.valueOf(k), value(x));
                }
            });
            b.setStructValue(sb);
        } else if (v instanceof List<?> l) {
            ListValue.Builder lb = ListValue.newBuilder();
            l.forEach(x -> lb.addValues(value(x)));
            b.setListValue(lb);
        } else {
            b.setNullValueValue(0);
        }
        return b.build();
    }

    private static Map<String, Object> toMap(Struct s) {
        Map<String, Object> out = new LinkedHashMap<>();
        s.getFieldsMap().forEach((k, v) -> out.put(k, plain(v)));
        return out;
    }

    private static Object plain(Value v) {
        return switch (v.getKindCase()) {
            case STRING_VALUE -> v.getStringValue();
            case NUMBER_VALUE -> v.getNumberValue();
            case BOOL_VALUE -> v.getBoolValue();
            case STRUCT_VALUE -> toMap(v.getStructValue());
            case LIST_VALUE -> v.getListValue().getValuesList().stream().map(PeerMetadataCodec::plain).toList();
            default -> null;
        };
    }
}

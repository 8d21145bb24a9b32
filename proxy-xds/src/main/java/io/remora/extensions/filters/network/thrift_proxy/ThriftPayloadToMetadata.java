package io.remora.extensions.filters.network.thrift_proxy;

import io.netty.buffer.ByteBuf;
import io.remora.accesslog.StreamInfo;
import io.remora.extensions.filters.http.header_to_metadata.HeaderToMetadataConfig;
import io.remora.extensions.filters.http.header_to_metadata.HeaderToMetadataFilter;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@code envoy.filters.thrift.payload_to_metadata}: a request argument, found by its field id
 * path through nested structs, to dynamic metadata (default namespace
 * {@code envoy.filters.thrift.payload_to_metadata}). Strings are taken as they are, integers and
 * booleans in decimal, doubles as C's {@code %f}; a rule whose field is absent gets on_missing.
 */
record ThriftPayloadToMetadata(List<Rule> rules) implements ThriftRequestFilter {

    static final String NAME = "envoy.filters.thrift.payload_to_metadata";
    static final String TYPE = "envoy.extensions.filters.network.thrift_proxy.filters.payload_to_metadata.v3.PayloadToMetadata";

    /**
     * @param methodName  the method (without a service prefix) or "" for any; null when by service
     * @param serviceName the {@code "svc:"} prefix or "" for any; null when by method
     * @param path        field ids from the arguments struct down to the value
     */
    record Rule(String methodName, String serviceName, short[] path, HeaderToMetadataConfig.KeyValue onPresent,
                HeaderToMetadataConfig.KeyValue onMissing) {

        boolean matches(String method) {
            if (methodName != null) {
                if (methodName.isEmpty()) {
                    return true;
                }
                int colon = method.indexOf(':');
                return (colon >= 0 ? method.substring(colon + 1) : method).equals(methodName);
            }
            return serviceName.isEmpty() || method.startsWith(serviceName);
        }
    }

    ThriftPayloadToMetadata {
        rules = List.copyOf(rules);
    }

    @Override
    public void onRequest(ThriftMessage request, ThriftCodec codec, StreamInfo info) {
        for (Rule r : rules) {
            if (!r.matches(request.name)) {
                continue;
            }
            String value;
            try {
                codec.reset();
                value = find(codec, request.body.duplicate(), r.path(), 0);
            } catch (RuntimeException e) {
                value = null; // the body was checked when decoded; a mismatch just finds nothing
            }
            if (value != null && r.onPresent() != null) {
                HeaderToMetadataFilter.set(info, r.onPresent(), value);
            } else if (value == null && r.onMissing() != null) {
                HeaderToMetadataFilter.set(info, r.onMissing(), null);
            }
        }
    }

    /** The scalar at {@code path[depth..]} within the struct at the reader index, or null. */
    private static String find(ThriftCodec r, ByteBuf in, short[] path, int depth) {
        r.readStructBegin();
        while (true) {
            byte t = r.readFieldBegin(in);
            if (t == ThriftCodec.STOP) {
                return null;
            }
            if (r.fieldId() == path[depth]) {
                if (depth == path.length - 1) {
                    return scalar(r, in, t);
                }
                return t == ThriftCodec.STRUCT ? find(r, in, path, depth + 1) : null;
            }
            ThriftTranscoder.copyValue(t, r, in, null, null, depth);
        }
    }

    private static String scalar(ThriftCodec r, ByteBuf in, byte t) {
        return switch (t) {
            case ThriftCodec.STRING -> r.readBinary(in).toString(StandardCharsets.UTF_8);
            case ThriftCodec.BOOL -> r.readBool(in) ? "1" : "0";
            case ThriftCodec.BYTE -> Byte.toString(r.readByte(in));
            case ThriftCodec.I16 -> Short.toString(r.readI16(in));
            case ThriftCodec.I32 -> Integer.toString(r.readI32(in));
            case ThriftCodec.I64 -> Long.toString(r.readI64(in));
            case ThriftCodec.DOUBLE -> String.format(java.util.Locale.ROOT, "%f", r.readDouble(in));
            default -> null;
        };
    }
}

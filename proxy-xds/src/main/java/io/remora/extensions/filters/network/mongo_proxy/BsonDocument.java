package io.remora.extensions.filters.network.mongo_proxy;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A BSON document as Envoy's mongo proxy reads it (its {@code Bson::DocumentImpl}): the element
 * types it knows, strings read as C strings (up to their first NUL), any other type a decoding
 * error. Only what the proxy looks at is kept: keys, types and values, the encoded size and the
 * JSON-like text its access log prints.
 */
final class BsonDocument {

    /** BSON element types Envoy decodes. */
    enum Type {
        DOUBLE(0x01), STRING(0x02), DOCUMENT(0x03), ARRAY(0x04), BINARY(0x05), OBJECT_ID(0x07), BOOLEAN(0x08),
        DATETIME(0x09), NULL_VALUE(0x0A), REGEX(0x0B), INT32(0x10), TIMESTAMP(0x11), INT64(0x12);

        final int code;

        Type(int code) {
            this.code = code;
        }

        static Type of(int code) {
            for (Type t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            return null;
        }
    }

    /** One element; {@code value} is a Double, String, BsonDocument, byte[], Boolean, Long, Integer, String[2] or null. */
    record Field(Type type, String key, Object value) {

        String asString() {
            if (type != Type.STRING) {
                throw new MongoDecodeException("invalid BSON field type cast");
            }
            return (String) value;
        }

        BsonDocument asDocument() {
            return (BsonDocument) value;
        }

        int byteSize() {
            int total = 1 + utf8Length(key) + 1;
            return switch (type) {
                case DOUBLE, DATETIME, TIMESTAMP, INT64 -> total + 8;
                case STRING -> total + 4 + utf8Length((String) value) + 1;
                case DOCUMENT, ARRAY -> total + ((BsonDocument) value).byteSize();
                case BINARY -> total + 5 + ((byte[]) value).length;
                case OBJECT_ID -> total + 12;
                case BOOLEAN -> total + 1;
                case NULL_VALUE -> total;
                case REGEX -> total + utf8Length(((String[]) value)[0]) + utf8Length(((String[]) value)[1]) + 2;
                case INT32 -> total + 4;
            };
        }

        void appendText(StringBuilder out) {
            switch (type) {
                case DOUBLE -> out.append(String.format(java.util.Locale.ROOT, "%f", (Double) value));
                case STRING -> quoted(out, (String) value);
                case BINARY -> quoted(out, new String((byte[]) value, StandardCharsets.ISO_8859_1));
                case DOCUMENT, ARRAY -> ((BsonDocument) value).appendText(out);
                case OBJECT_ID -> out.append('"').append(HexFormat.of().formatHex((byte[]) value)).append('"');
                case BOOLEAN -> out.append((Boolean) value ? "true" : "false");
                case NULL_VALUE -> out.append("null");
                case REGEX -> out.append("[\"").append(((String[]) value)[0]).append("\", \"")
                        .append(((String[]) value)[1]).append("\"]");
                case INT32, DATETIME, TIMESTAMP, INT64 -> out.append(value);
            }
        }
    }

    private final List<Field> fields;

    private BsonDocument(List<Field> fields) {
        this.fields = fields;
    }

    List<Field> fields() {
        return fields;
    }

    /** The first field named {@code key}, or null. */
    Field find(String key) {
        for (Field f : fields) {
            if (f.key.equals(key)) {
                return f;
            }
        }
        return null;
    }

    /** The first field named {@code key} of that type, or null. */
    Field find(String key, Type type) {
        for (Field f : fields) {
            if (f.key.equals(key) && f.type == type) {
                return f;
            }
        }
        return null;
    }

    /** The document's size encoded again from what was kept (Envoy's {@code byteSize}). */
    int byteSize() {
        int total = 5;
        for (Field f : fields) {
            total += f.byteSize();
        }
        return total;
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        appendText(out);
        return out.toString();
    }

    void appendText(StringBuilder out) {
        out.append('{');
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                out.append(", ");
            }
            Field f = fields.get(i);
            out.append('"').append(f.key).append("\": ");
            f.appendText(out);
        }
        out.append('}');
    }

    /** Reads one document at the buffer's reader index, which it advances past the document. */
    static BsonDocument read(ByteBuf in) {
        int start = in.readerIndex();
        int length = Wire.int32(in);
        if (length < 5 || length - 4 > in.readableBytes()) {
            throw new MongoDecodeException("invalid BSON message length");
        }
        int end = start + length;
        List<Field> fields = new ArrayList<>();
        while (true) {
            int remaining = end - in.readerIndex();
            if (remaining == 1) {
                if (in.readByte() != 0) {
                    throw new MongoDecodeException("invalid document");
                }
                return new BsonDocument(fields);
            }
            if (remaining < 1) {
                throw new MongoDecodeException("invalid document");
            }
            int code = in.readUnsignedByte();
            String key = Wire.cString(in);
            Type type = Type.of(code);
            if (type == null) {
                throw new MongoDecodeException(String.format("invalid BSON element type: %#x key: %s", code, key));
            }
            Object value = switch (type) {
                case DOUBLE -> Double.longBitsToDouble(Wire.int64(in));
                case STRING -> Wire.string(in);
                case DOCUMENT, ARRAY -> read(in);
                case BINARY -> {
                    int n = Wire.int32(in);
                    Wire.need(in, 1);
                    in.readByte(); // the subtype, not kept (Envoy's neither)
                    yield Wire.bytes(in, n);
                }
                case OBJECT_ID -> Wire.bytes(in, 12);
                case BOOLEAN -> {
                    Wire.need(in, 1);
                    yield in.readByte() != 0;
                }
                case DATETIME, TIMESTAMP, INT64 -> Wire.int64(in);
                case NULL_VALUE -> null;
                case REGEX -> new String[] {Wire.cString(in), Wire.cString(in)};
                case INT32 -> Wire.int32(in);
            };
            fields.add(new Field(type, key, value));
        }
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Envoy's {@code StringUtil::escape}: newlines, tabs, quotes and backslashes escaped. */
    private static void quoted(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> out.append(c);
            }
        }
        out.append('"');
    }
}

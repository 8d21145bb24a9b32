package io.remora.extensions.filters.http.grpc_json_transcoder;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.Gson;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Builds the gRPC request of a transcoded call: the path's and query's bindings, then the JSON
 * body (the whole message, one field, or the raw bytes of a google.api.HttpBody) merged over them
 * — the body wins, as Envoy's transcoder — as length-prefixed messages (one per element of a JSON
 * array for a client-streaming method). Runs on the event loop, once per request.
 */
final class GrpcRequestEncoder {

    /** A binding whose field path was resolved against the request type. */
    record ResolvedBinding(List<FieldDescriptor> path, String value) {
    }

    /** The request cannot be transcoded; the message is the 400's body. */
    static final class TranscodeException extends Exception {
        TranscodeException(String message) {
            super(message, null, false, false);
        }
    }

    private static final TypeAdapter<JsonElement> ELEMENT = new Gson().getAdapter(JsonElement.class);

    private GrpcRequestEncoder() {
    }

    static ByteBuf encode(GrpcJsonTranscoderConfig cfg, RuleBinding rule, List<ResolvedBinding> bindings,
                          byte[] body, String contentType) throws TranscodeException {
        Descriptor input = rule.method().descriptor().getInputType();
        JsonObject bound = new JsonObject();
        for (ResolvedBinding b : bindings) {
            put(bound, b.path(), b.value(), cfg.caseInsensitiveEnumParsing());
        }
        JsonArray messages = bodies(cfg, rule, body, contentType);
        ByteBuf out = ByteBufAllocator.DEFAULT.buffer();
        try {
            if (messages.isEmpty()) {
                writeFrame(out, parse(cfg, bound, input));
            }
            for (JsonElement element : messages) {
                DynamicMessage fromBindings = parse(cfg, bound, input);
                DynamicMessage fromBody = parse(cfg, wrap(rule.bodyPath(), element), input);
                if (cfg.rejectBindingBodyFieldCollisions()) {
                    checkCollisions(bindings, fromBindings, fromBody);
                }
                writeFrame(out, fromBindings.toBuilder().mergeFrom(fromBody).build());
            }
            return out;
        } catch (TranscodeException | RuntimeException e) {
            out.release();
            throw e;
        }
    }

    /** The JSON the body gives, one element per message; empty when the body says nothing. */
    private static JsonArray bodies(GrpcJsonTranscoderConfig cfg, RuleBinding rule, byte[] body, String contentType)
            throws TranscodeException {
        JsonArray out = new JsonArray();
        if (!rule.hasBody()) {
            return out;
        }
        if (rule.bodyIsHttpBody()) {
            JsonObject httpBody = new JsonObject();
            if (contentType != null) {
                httpBody.addProperty("content_type", contentType);
            }
            httpBody.addProperty("data", Base64.getEncoder().encodeToString(body));
            out.add(httpBody);
            return out;
        }
        String text = new String(body, StandardCharsets.UTF_8);
        if (text.isBlank()) {
            return out;
        }
        JsonElement json = strictJson(text);
        Descriptor bodyType = FieldPaths.typeAt(rule.method().descriptor().getInputType(), rule.bodyPath());
        boolean stream = rule.method().descriptor().isClientStreaming() && rule.bodyPath().isEmpty() && json.isJsonArray();
        for (JsonElement e : stream ? json.getAsJsonArray() : List.of(json)) {
            if (cfg.caseInsensitiveEnumParsing() && bodyType != null) {
                upperCaseEnums(e, bodyType);
            }
            out.add(e);
        }
        return out;
    }

    /** RFC 8259 JSON, one value and nothing after it (a lenient parse would take {@code {a: 1}}). */
    private static JsonElement strictJson(String text) throws TranscodeException {
        try (JsonReader reader = new JsonReader(new StringReader(text))) {
            reader.setStrictness(Strictness.STRICT);
            JsonElement json = ELEMENT.read(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new TranscodeException("Unexpected data after the JSON body");
            }
            return json;
        } catch (IOException | JsonParseException | IllegalStateException e) {
            throw new TranscodeException("Unexpected token in the JSON body: " + e.getMessage());
        }
    }

    private static DynamicMessage parse(GrpcJsonTranscoderConfig cfg, JsonElement json, Descriptor type)
            throws TranscodeException {
        DynamicMessage.Builder b = DynamicMessage.newBuilder(type);
        try {
            cfg.parser().merge(json.toString(), b);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            throw new TranscodeException(e.getMessage());
        }
        return b.build();
    }

    /** {@code element} placed at {@code path} in an otherwise empty object. */
    private static JsonElement wrap(List<FieldDescriptor> path, JsonElement element) {
        JsonElement e = element;
        for (int i = path.size() - 1; i >= 0; i--) {
            JsonObject o = new JsonObject();
            o.add(path.get(i).getName(), e);
            e = o;
        }
        return e;
    }

    private static void put(JsonObject root, List<FieldDescriptor> path, String value, boolean enumsAnyCase) {
        JsonObject o = root;
        for (int i = 0; i < path.size() - 1; i++) {
            String name = path.get(i).getName();
            JsonObject child = o.get(name) instanceof JsonObject existing ? existing : new JsonObject();
            o.add(name, child);
            o = child;
        }
        FieldDescriptor leaf = path.get(path.size() - 1);
        JsonPrimitive v = new JsonPrimitive(enumsAnyCase ? enumName(leaf, value) : value);
        if (leaf.isRepeated()) {
            JsonArray values = o.get(leaf.getName()) instanceof JsonArray existing ? existing : new JsonArray();
            values.add(v);
            o.add(leaf.getName(), values);
        } else {
            o.add(leaf.getName(), v);
        }
    }

    /** {@code case_insensitive_enum_parsing}: the value's name as declared when it differs only in case. */
    private static String enumName(FieldDescriptor f, String value) {
        if (f.getJavaType() != FieldDescriptor.JavaType.ENUM) {
            return value;
        }
        for (EnumValueDescriptor v : f.getEnumType().getValues()) {
            if (v.getName().equalsIgnoreCase(value)) {
                return v.getName();
            }
        }
        return value;
    }

    private static void upperCaseEnums(JsonElement e, Descriptor type) {
        if (!(e instanceof JsonObject o)) {
            return;
        }
        for (Map.Entry<String, JsonElement> entry : o.entrySet()) {
            List<FieldDescriptor> f = FieldPaths.resolve(type, List.of(entry.getKey()));
            if (f == null || f.get(0).isMapField()) {
                continue;
            }
            FieldDescriptor field = f.get(0);
            JsonElement v = entry.getValue();
            for (JsonElement item : v instanceof JsonArray a ? a : List.of(v)) {
                if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                    upperCaseEnums(item, field.getMessageType());
                }
            }
            if (field.getJavaType() == FieldDescriptor.JavaType.ENUM) {
                if (v instanceof JsonArray a) {
                    for (int i = 0; i < a.size(); i++) {
                        a.set(i, enumPrimitive(field, a.get(i)));
                    }
                } else {
                    entry.setValue(enumPrimitive(field, v));
                }
            }
        }
    }

    private static JsonElement enumPrimitive(FieldDescriptor f, JsonElement v) {
        return v instanceof JsonPrimitive p && p.isString() ? new JsonPrimitive(enumName(f, p.getAsString())) : v;
    }

    /** {@code reject_binding_body_field_collisions}: a bound field the body sets to another value. */
    private static void checkCollisions(List<ResolvedBinding> bindings, DynamicMessage bound, DynamicMessage body)
            throws TranscodeException {
        for (ResolvedBinding b : bindings) {
            Message inBody = body;
            Message inBound = bound;
            List<FieldDescriptor> path = b.path();
            FieldDescriptor leaf = path.get(path.size() - 1);
            boolean set = !leaf.isRepeated();
            for (int i = 0; set && i < path.size() - 1; i++) {
                set = inBody.hasField(path.get(i));
                inBody = (Message) inBody.getField(path.get(i));
                inBound = (Message) inBound.getField(path.get(i));
            }
            if (set && fieldSet(inBody, leaf) && !inBody.getField(leaf).equals(inBound.getField(leaf))) {
                throw new TranscodeException("The binding value " + b.value() + " of the field "
                        + FieldPaths.names(path) + " is conflicting with the value " + inBody.getField(leaf)
                        + " in the body.");
            }
        }
    }

    private static boolean fieldSet(Message m, FieldDescriptor f) {
        return f.hasPresence() ? m.hasField(f) : !m.getField(f).equals(f.getDefaultValue());
    }

    private static void writeFrame(ByteBuf out, Message m) {
        byte[] bytes = m.toByteArray();
        out.writeByte(0).writeInt(bytes.length).writeBytes(bytes);
    }
}

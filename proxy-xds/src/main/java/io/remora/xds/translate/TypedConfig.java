package io.remora.xds.translate;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import io.remora.xds.bootstrap.EnvoyTypeRegistry;

/**
 * An extension's {@code typed_config}: an {@code Any} holding the config message itself, or a
 * {@code udpa.type.v1.TypedStruct} / {@code xds.type.v3.TypedStruct} naming the type and carrying
 * its fields as a Struct (Istio sends some filters that way). Either way {@link #typeName()} is the
 * config's message type and {@link #unpack} gives the message.
 */
public final class TypedConfig {

    private final Any any;
    private final String typeName;
    private final Struct struct;

    private TypedConfig(Any any, String typeName, Struct struct) {
        this.any = any;
        this.typeName = typeName;
        this.struct = struct;
    }

    /** Reads a typed_config; a malformed TypedStruct fails naming {@code path}. */
    public static TypedConfig of(Any any, FieldPath path) {
        String url = any.getTypeUrl();
        String name = url.substring(url.lastIndexOf('/') + 1);
        try {
            if (name.equals(Protos.TYPED_STRUCT_UDPA)) {
                var ts = GeneratedMessages.unpack(any, com.github.udpa.udpa.type.v1.TypedStruct.class);
                return new TypedConfig(any, innerName(ts.getTypeUrl()), ts.getValue());
            }
            if (name.equals(Protos.TYPED_STRUCT_XDS)) {
                var ts = GeneratedMessages.unpack(any, com.github.xds.type.v3.TypedStruct.class);
                return new TypedConfig(any, innerName(ts.getTypeUrl()), ts.getValue());
            }
        } catch (InvalidProtocolBufferException e) {
            throw path.error("malformed TypedStruct: " + e.getMessage());
        }
        return new TypedConfig(any, name, null);
    }

    /**
     * An extension entry's typed_config, or null when it names no type: absent, or written
     * {@code typed_config: {}}. Envoy's getAndCheckFactory finds no factory for an empty type URL
     * and looks the entry's name up instead, whose factory starts from its empty config.
     */
    public static TypedConfig named(boolean has, Any any, FieldPath path) {
        return has && !any.getTypeUrl().isEmpty() ? of(any, path) : null;
    }

    private static String innerName(String typeUrl) {
        return typeUrl.substring(typeUrl.lastIndexOf('/') + 1);
    }

    /** The config's message type (full proto name), a TypedStruct's inner type. */
    public String typeName() {
        return typeName;
    }

    public boolean isTypedStruct() {
        return struct != null;
    }

    /** The Any as configured. */
    public Any any() {
        return any;
    }

    /** The config as its generated message class. */
    public <M extends Message> M unpack(Class<M> type, FieldPath path) {
        if (struct == null) {
            return Protos.unpack(any, type, path);
        }
        Message.Builder b;
        try {
            b = GeneratedMessages.defaultInstance(type).newBuilderForType();
        } catch (IllegalArgumentException e) {
            throw path.error("cannot build " + type.getSimpleName() + ": " + e.getCause());
        }
        mergeStruct(b, path);
        return type.cast(b.build());
    }

    /** The config as a message of a descriptor an extension defines (no generated class). */
    public DynamicMessage unpack(Descriptor type, FieldPath path) {
        if (struct == null) {
            try {
                return DynamicMessage.parseFrom(type, any.getValue());
            } catch (InvalidProtocolBufferException e) {
                throw path.error("expected a " + type.getFullName() + ": " + e.getMessage());
            }
        }
        DynamicMessage.Builder b = DynamicMessage.newBuilder(type);
        mergeStruct(b, path);
        return b.build();
    }

    private void mergeStruct(Message.Builder b, FieldPath path) {
        try {
            String json = JsonFormat.printer().print(struct);
            io.remora.xds.bootstrap.ProtoJson.mergeInto(JsonFormat.parser().usingTypeRegistry(EnvoyTypeRegistry.forJson(
                    com.google.gson.JsonParser.parseString(json))), json, b);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            throw path.field("value").error("not a valid " + GeneratedMessages.descriptorOf(b).getFullName() + ": "
                    + e.getMessage());
        }
    }
}

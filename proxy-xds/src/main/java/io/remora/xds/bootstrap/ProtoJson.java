package io.remora.xds.bootstrap;

import com.google.gson.JsonObject;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.GeneratedMessages;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TranslationException;

/** JSON tree to an Envoy proto, with errors that name the field path. */
public final class ProtoJson {

    private ProtoJson() {
    }

    /**
     * Merges the JSON object into the builder. Unknown {@code @type}s of optional extensions
     * are dropped (with a warning in ctx); anything else the parser refuses is a
     * {@link TranslationException} naming the field.
     */
    public static <B extends Message.Builder> B merge(JsonObject json, B builder, FieldPath path,
                                                      TranslationContext ctx) {
        UnknownExtensions.check(json, GeneratedMessages.descriptorOf(builder), path, ctx);
        Message.Builder probe = builder.clone();
        try {
            return strictMerge(json, builder);
        } catch (InvalidProtocolBufferException | RuntimeException strict) {
            Exception e = strict;
            // Envoy's own parse is more lenient than protobuf-java's: retry once in its terms.
            if (JsonLeniency.normalize(json, GeneratedMessages.descriptorOf(builder))) {
                try {
                    strictMerge(json, probe);
                    @SuppressWarnings("unchecked")
                    B out = (B) builder.clear().mergeFrom(probe.build());
                    return out;
                } catch (InvalidProtocolBufferException | RuntimeException again) {
                    e = again;
                }
            }
            JsonFieldLocator.Problem p = JsonFieldLocator.locate(json, GeneratedMessages.descriptorOf(builder), path);
            if (p != null) {
                throw new TranslationException(p.path(), p.reason(), e);
            }
            throw new TranslationException(path.toString(), "invalid " + GeneratedMessages.descriptorOf(builder).getFullName()
                    + ": " + e.getMessage(), e);
        }
    }

    private static <B extends Message.Builder> B strictMerge(JsonObject json, B builder)
            throws InvalidProtocolBufferException {
        JsonFormat.Parser parser = JsonFormat.parser().usingTypeRegistry(EnvoyTypeRegistry.forJson(json));
        mergeInto(parser, json.toString(), builder);
        return builder;
    }

    /**
     * {@code parser.merge(json, builder)}, but into an empty builder through a DynamicMessage: parsed by
     * descriptor, then merged into the generated builder from its bytes. The same message, but the
     * generated classes' reflection tables (a Method per accessor of every field of every type touched,
     * ~1 MB of heap held for good, and their start-up CPU) are never built. JsonFormat works from
     * descriptors alone, so what it accepts and refuses, and its messages, are the same either way.
     */
    public static void mergeInto(JsonFormat.Parser parser, String json, Message.Builder builder)
            throws InvalidProtocolBufferException {
        if (isEmpty(builder)) {
            DynamicMessage.Builder dynamic = DynamicMessage.newBuilder(GeneratedMessages.descriptorOf(builder));
            parser.merge(json, dynamic);
            builder.mergeFrom(dynamic.build().toByteString());
        } else {
            // JsonFormat replaces a set message field where a merge of bytes would merge into it
            parser.merge(json, builder);
        }
    }

    /** True when the builder holds nothing (its generated code says so, without reflection). */
    private static boolean isEmpty(Message.Builder builder) {
        return builder.buildPartial().getSerializedSize() == 0;
    }

    /**
     * {@link #merge}, except that fields the proto does not have are ignored with a warning naming the first of
     * them (Envoy's --allow-unknown-static-fields) rather than refused.
     */
    public static <B extends Message.Builder> B mergeIgnoringUnknownFields(JsonObject json, B builder, FieldPath path,
                                                                          TranslationContext ctx) {
        Message.Builder probe = builder.clone();
        try {
            return merge(json, builder, path, ctx);
        } catch (TranslationException strict) {
            if (!strict.reason().startsWith("unknown field")) {
                throw strict;
            }
            ctx.warnOnce("unknown-static-fields", strict.path() + ": " + strict.reason()
                    + " ignored (--allow-unknown-static-fields), with any other unknown field");
        }
        try {
            JsonFormat.parser().ignoringUnknownFields().usingTypeRegistry(EnvoyTypeRegistry.forJson(json))
                    .merge(json.toString(), probe);
            @SuppressWarnings("unchecked")
            B out = (B) builder.clear().mergeFrom(probe.build());
            return out;
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            throw new TranslationException(path.toString(), "invalid " + GeneratedMessages.descriptorOf(builder).getFullName()
                    + ": " + e.getMessage(), e);
        }
    }

    /** Renders a message as JSON with Envoy's snake_case field names. */
    public static String print(com.google.protobuf.MessageOrBuilder message) {
        try {
            return JsonFormat.printer().usingTypeRegistry(EnvoyTypeRegistry.forMessage(message))
                    .preservingProtoFieldNames().print(message);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.remora.xds.bootstrap;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The message types an {@code Any} in Envoy's config may carry, found by name in the Envoy API
 * jar: every Envoy, udpa and xds proto is generated with {@code java_multiple_files}, so
 * {@code envoy.extensions.filters.http.router.v3.Router} is the class
 * {@code io.envoyproxy.envoy.extensions.filters.http.router.v3.Router}. Types are resolved on
 * demand (loading all ~600 proto files up front costs seconds at start-up) and the JSON parser
 * gets a registry of exactly the types a document names.
 */
public final class EnvoyTypeRegistry {

    private static final Map<String, Optional<Descriptor>> CACHE = new ConcurrentHashMap<>();
    private static final String[][] PACKAGE_PREFIXES = {
            {"envoy.", "io.envoyproxy.envoy."},
            {"udpa.", "com.github.udpa.udpa."},
            {"xds.", "com.github.xds."},
            {"google.protobuf.", "com.google.protobuf."},
            {"google.rpc.", "com.google.rpc."},
            {"google.api.", "com.google.api."},
            {"opentelemetry.", "io.opentelemetry."},
            {"cel.expr.", "dev.cel.expr."},
    };

    private EnvoyTypeRegistry() {
    }

    /** The descriptor of a type URL's message, or null when no such type is built in. */
    public static Descriptor find(String typeUrl) {
        String name = typeUrl.substring(typeUrl.lastIndexOf('/') + 1);
        return CACHE.computeIfAbsent(name, n -> Optional.ofNullable(resolve(n))).orElse(null);
    }

    /** An Any's message as a DynamicMessage of its built-in type, or null when the type is unknown or the bytes bad. */
    public static Message unpack(Any any) {
        Descriptor d = find(any.getTypeUrl());
        if (d == null) {
            return null;
        }
        try {
            return DynamicMessage.parseFrom(d, any.getValue());
        } catch (InvalidProtocolBufferException e) {
            return null;
        }
    }

    private static Descriptor resolve(String name) {
        Descriptor builtIn = builtIn(name);
        // else a config message an extension defines (Istio's, say); asked second, so that a config
        // naming only Envoy's types does not build the extensions' descriptors at all
        return builtIn != null ? builtIn : io.remora.extensions.ExtensionRegistry.get().descriptor(name);
    }

    /** The type's generated class in the API jars, by the package mapping above, or null. */
    private static Descriptor builtIn(String name) {
        for (String[] p : PACKAGE_PREFIXES) {
            if (name.startsWith(p[0])) {
                String className = p[1] + name.substring(p[0].length());
                // Nested messages: Outer.Inner is the class Outer$Inner.
                for (int dot = className.length(); dot > 0; dot = className.lastIndexOf('.', dot - 1)) {
                    String candidate = className.substring(0, dot)
                            + className.substring(dot).replace('.', '$');
                    Descriptor d = descriptorOf(candidate);
                    if (d != null && d.getFullName().equals(name)) {
                        return d;
                    }
                    if (dot <= p[1].length()) {
                        break;
                    }
                }
                return null;
            }
        }
        return null;
    }

    private static Descriptor descriptorOf(String className) {
        try {
            Class<?> c = Class.forName(className, true, EnvoyTypeRegistry.class.getClassLoader());
            if (!Message.class.isAssignableFrom(c)) {
                return null;
            }
            return io.remora.xds.translate.GeneratedMessages.descriptor(c);
        } catch (ReflectiveOperationException | LinkageError | ClassCastException e) {
            return null;
        }
    }

    /** A registry of every resolvable {@code "@type"} in a JSON document (unknown ones are left out). */
    public static JsonFormat.TypeRegistry forJson(JsonElement json) {
        Set<Descriptor> found = new LinkedHashSet<>();
        collect(json, found);
        return build(found);
    }

    /** A registry of every type packed in the Anys of a message, at any depth. */
    public static JsonFormat.TypeRegistry forMessage(MessageOrBuilder message) {
        Set<Descriptor> found = new LinkedHashSet<>();
        collect(message, found);
        return build(found);
    }

    private static JsonFormat.TypeRegistry build(Set<Descriptor> found) {
        JsonFormat.TypeRegistry.Builder b = JsonFormat.TypeRegistry.newBuilder();
        found.forEach(b::add);
        return b.build();
    }

    private static void collect(JsonElement e, Set<Descriptor> found) {
        if (e.isJsonObject()) {
            JsonObject o = e.getAsJsonObject();
            JsonElement t = o.get("@type");
            if (t != null && t.isJsonPrimitive()) {
                Descriptor d = find(t.getAsString());
                if (d != null) {
                    found.add(d);
                }
            }
            o.entrySet().forEach(en -> collect(en.getValue(), found));
        } else if (e.isJsonArray()) {
            e.getAsJsonArray().forEach(x -> collect(x, found));
        }
    }

    private static void collect(MessageOrBuilder m, Set<Descriptor> found) {
        if (m instanceof Any any) {
            Descriptor d = find(any.getTypeUrl());
            if (d == null) {
                return;
            }
            found.add(d);
            try {
                collect(DynamicMessage.parseFrom(d, any.getValue()), found);
            } catch (InvalidProtocolBufferException ignored) {
                // the printer reports it
            }
            return;
        }
        for (Map.Entry<FieldDescriptor, Object> f : m.getAllFields().entrySet()) {
            if (f.getKey().getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                continue;
            }
            if (f.getKey().isRepeated()) {
                for (Object v : (List<?>) f.getValue()) {
                    collect(asAnyIfAny((MessageOrBuilder) v), found);
                }
            } else {
                collect(asAnyIfAny((MessageOrBuilder) f.getValue()), found);
            }
        }
    }

    /** A DynamicMessage of type Any (inside a dynamic parse) as a real Any. */
    private static MessageOrBuilder asAnyIfAny(MessageOrBuilder v) {
        if (!(v instanceof Any) && v.getDescriptorForType().getFullName().equals("google.protobuf.Any")) {
            try {
                return Any.parseFrom(((Message) v).toByteString());
            } catch (InvalidProtocolBufferException e) {
                return v;
            }
        }
        return v;
    }
}

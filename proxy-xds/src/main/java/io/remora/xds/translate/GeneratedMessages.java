package io.remora.xds.translate;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The static accessors of protoc's generated message classes, found by method-handle lookup.
 * Protobuf's own {@code Any.unpack(Class)} and {@code Class.getMethod} build a {@code Method} for
 * every public method of the class (hundreds per Envoy message) and keep them in the class's
 * reflection cache: ~3,400 {@code Method} objects held after start-up for the harness bootstrap,
 * and start-up CPU to make them. A lookup resolves the one method in the VM instead. The static
 * {@code getDescriptor()} is used, not the instance's {@code getDescriptorForType()}: on classes
 * made by protoc's older generator ({@code GeneratedMessageV3}, Envoy's) that one builds the
 * class's whole field-accessor table by reflection, a {@code Method} per accessor.
 */
public final class GeneratedMessages {

    private static final MethodType DESCRIPTOR = MethodType.methodType(Descriptor.class);

    /** A generated message's or builder's static {@code getDescriptor()}, looked up once per class. */
    private static final ClassValue<Descriptor> STATIC_DESCRIPTORS = new ClassValue<>() {
        @Override
        protected Descriptor computeValue(Class<?> type) {
            try {
                return descriptor(type);
            } catch (ReflectiveOperationException e) {
                return null;
            }
        }
    };

    private GeneratedMessages() {
    }

    /** The generated class's {@code getDefaultInstance()}. */
    public static <M extends Message> M defaultInstance(Class<M> type) {
        try {
            MethodHandle h = MethodHandles.publicLookup().findStatic(type, "getDefaultInstance",
                    MethodType.methodType(type));
            return type.cast(h.invoke());
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalArgumentException(type.getName() + " is not a generated message class", e);
        }
    }

    /** The generated class's {@code getDescriptor()}. */
    public static Descriptor descriptor(Class<?> type) throws ReflectiveOperationException {
        MethodHandle h = MethodHandles.publicLookup().findStatic(type, "getDescriptor", DESCRIPTOR);
        try {
            return (Descriptor) h.invoke();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new ReflectiveOperationException(e);
        }
    }

    /**
     * The message's type, as {@code getDescriptorForType()} answers it but, for a generated message
     * or builder, from its class's static {@code getDescriptor()}: the instance method builds the
     * class's field-accessor table (see above).
     */
    public static Descriptor descriptorOf(MessageOrBuilder m) {
        Descriptor d = m instanceof DynamicMessage || m instanceof DynamicMessage.Builder
                ? null : STATIC_DESCRIPTORS.get(m.getClass());
        return d != null ? d : m.getDescriptorForType();
    }

    /** {@code any.is(type)} without the generated class's field-accessor table. */
    public static boolean is(com.google.protobuf.Any any, Class<? extends Message> type) {
        String url = any.getTypeUrl();
        int slash = url.lastIndexOf('/');
        Descriptor d = STATIC_DESCRIPTORS.get(type);
        return slash != -1 && d != null && url.substring(slash + 1).equals(d.getFullName());
    }

    /** {@code Any.pack(m)} without the generated class's field-accessor table. */
    public static com.google.protobuf.Any pack(Message m) {
        return com.google.protobuf.Any.newBuilder()
                .setTypeUrl("type.googleapis.com/" + descriptorOf(m).getFullName())
                .setValue(m.toByteString()).build();
    }

    /**
     * {@code any.unpack(type)} as protobuf does it (the same checks and messages), without
     * reflection and without caching the message in the {@code Any}.
     */
    public static <M extends Message> M unpack(com.google.protobuf.Any any, Class<M> type)
            throws InvalidProtocolBufferException {
        M dflt = defaultInstance(type);
        String url = any.getTypeUrl();
        int slash = url.lastIndexOf('/');
        String name = slash == -1 ? "" : url.substring(slash + 1);
        Descriptor d;
        try {
            d = descriptor(type);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException(type.getName() + " is not a generated message class", e);
        }
        if (!name.equals(d.getFullName())) {
            throw new InvalidProtocolBufferException("Type of the Any message does not match the given class.");
        }
        return type.cast(dflt.getParserForType().parseFrom(any.getValue()));
    }
}

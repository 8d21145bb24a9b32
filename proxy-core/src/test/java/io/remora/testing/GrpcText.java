package io.remora.testing;

import io.grpc.MethodDescriptor;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** gRPC methods whose messages are UTF-8 strings, so tests need no generated code. */
public final class GrpcText {

    public static final MethodDescriptor.Marshaller<String> TEXT = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private GrpcText() {
    }

    public static MethodDescriptor<String, String> unary(String fullMethodName) {
        return method(MethodDescriptor.MethodType.UNARY, fullMethodName);
    }

    public static MethodDescriptor<String, String> bidi(String fullMethodName) {
        return method(MethodDescriptor.MethodType.BIDI_STREAMING, fullMethodName);
    }

    private static MethodDescriptor<String, String> method(MethodDescriptor.MethodType type, String name) {
        return MethodDescriptor.<String, String>newBuilder().setType(type).setFullMethodName(name)
                .setRequestMarshaller(TEXT).setResponseMarshaller(TEXT).build();
    }
}

package io.remora.e2e;

import com.google.api.AnnotationsProto;
import com.google.api.HttpBody;
import com.google.api.HttpBodyProto;
import com.google.api.HttpProto;
import com.google.api.HttpRule;
import com.google.protobuf.AnyProto;
import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.MethodOptions;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DynamicMessage;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.remora.testing.TempPaths;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * A bookstore gRPC service for the JSON transcoder's tests, with no generated code: its
 * descriptors are built here (google.api.http options included, as protoc would write them with
 * --include_imports) and its server answers DynamicMessages.
 */
public final class BookstoreService {

    public static final String SERVICE = "bookstore.Bookstore";
    static final String TRANSCODER_TYPE =
            "type.googleapis.com/envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder";
    static final FileDescriptor FILE = build();

    private BookstoreService() {
    }

    /** Starts the bookstore's gRPC server (closed with {@code stack}); returns its port. */
    static int serve(E2EStack stack) throws IOException {
        return serve(stack, new ConcurrentHashMap<>());
    }

    /** As {@link #serve(E2EStack)}, leaving the last call's request headers in {@code seen}. */
    static int serve(E2EStack stack, Map<String, String> seen) throws IOException {
        ServerInterceptor recorder = new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                               ServerCallHandler<Q, A> next) {
                seen.clear();
                for (String key : headers.keys()) {
                    if (!key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                        seen.put(key, headers.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER)));
                    }
                }
                return next.startCall(call, headers);
            }
        };
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerInterceptors.intercept(definition(), recorder)).build().start();
        stack.own(server::shutdownNow);
        return server.getPort();
    }

    /** {@link #descriptorSet()} in a temporary file, for {@code proto_descriptor}. */
    public static Path descriptorFile() throws IOException {
        Path file = TempPaths.file("bookstore", ".pb");
        Files.write(file, descriptorSet());
        return file;
    }

    /** An http_filters entry transcoding this service, with {@code fields} (YAML) added to its config. */
    static String transcoderFilter(Path descriptor, String fields) {
        return "- name: envoy.filters.http.grpc_json_transcoder\n  typed_config:\n"
                + transcoderConfig(descriptor, fields).indent(4);
    }

    /** A transcoder config (typed_config or per-route) for this service, with {@code fields} (YAML) added. */
    static String transcoderConfig(Path descriptor, String fields) {
        return """
                "@type": %s
                proto_descriptor: %s
                services: [%s]
                """.formatted(TRANSCODER_TYPE, descriptor, SERVICE) + fields;
    }

    /** The FileDescriptorSet bytes of bookstore.proto and everything it imports. */
    public static byte[] descriptorSet() {
        return FileDescriptorSet.newBuilder()
                .addFile(DescriptorProtos.getDescriptor().toProto())
                .addFile(HttpProto.getDescriptor().toProto())
                .addFile(AnnotationsProto.getDescriptor().toProto())
                .addFile(AnyProto.getDescriptor().toProto())
                .addFile(HttpBodyProto.getDescriptor().toProto())
                .addFile(FILE.toProto())
                .build().toByteArray();
    }

    private static FileDescriptor build() {
        FileDescriptorProto proto = FileDescriptorProto.newBuilder()
                .setName("bookstore.proto").setPackage("bookstore").setSyntax("proto3")
                .addDependency("google/api/annotations.proto")
                .addDependency("google/api/httpbody.proto")
                .addEnumType(EnumDescriptorProto.newBuilder().setName("Genre")
                        .addValue(EnumValueDescriptorProto.newBuilder().setName("GENRE_UNSPECIFIED").setNumber(0))
                        .addValue(EnumValueDescriptorProto.newBuilder().setName("FICTION").setNumber(1)))
                .addMessageType(message("GetShelfRequest", field("shelf", 1, FieldDescriptorProto.Type.TYPE_INT64),
                        field("theme", 2, FieldDescriptorProto.Type.TYPE_STRING)))
                .addMessageType(message("Shelf", field("id", 1, FieldDescriptorProto.Type.TYPE_INT64),
                        field("theme", 2, FieldDescriptorProto.Type.TYPE_STRING)))
                .addMessageType(message("Book", field("id", 1, FieldDescriptorProto.Type.TYPE_INT64),
                        field("title", 2, FieldDescriptorProto.Type.TYPE_STRING),
                        field("genre", 3, FieldDescriptorProto.Type.TYPE_ENUM).setTypeName(".bookstore.Genre")))
                .addMessageType(message("CreateBookRequest", field("shelf", 1, FieldDescriptorProto.Type.TYPE_INT64),
                        field("book", 2, FieldDescriptorProto.Type.TYPE_MESSAGE).setTypeName(".bookstore.Book")))
                .addService(ServiceDescriptorProto.newBuilder().setName("Bookstore")
                        .addMethod(method("GetShelf", "GetShelfRequest", "Shelf", false,
                                HttpRule.newBuilder().setGet("/shelves/{shelf}")
                                        .addAdditionalBindings(HttpRule.newBuilder().setGet("/v1/{theme=themes/**}"))))
                        .addMethod(method("CreateBook", "CreateBookRequest", "Book", false,
                                HttpRule.newBuilder().setPost("/shelves/{shelf}/books").setBody("book")))
                        .addMethod(method("DeleteShelf", "GetShelfRequest", "Shelf", false,
                                HttpRule.newBuilder().setDelete("/shelves/{shelf}")))
                        .addMethod(method("ListBooks", "GetShelfRequest", "Book", true,
                                HttpRule.newBuilder().setGet("/shelves/{shelf}/books")))
                        .addMethod(MethodDescriptorProto.newBuilder().setName("UploadCover")
                                .setInputType(".google.api.HttpBody").setOutputType(".google.api.HttpBody")
                                .setOptions(MethodOptions.newBuilder().setExtension(AnnotationsProto.http,
                                        HttpRule.newBuilder().setPost("/covers").setBody("*").build())))
                        // No google.api.http option: reachable through auto_mapping only.
                        .addMethod(MethodDescriptorProto.newBuilder().setName("Renumber")
                                .setInputType(".bookstore.Shelf").setOutputType(".bookstore.Shelf")))
                .build();
        try {
            return FileDescriptor.buildFrom(proto, new FileDescriptor[] {AnnotationsProto.getDescriptor(), HttpBodyProto.getDescriptor()});
        } catch (com.google.protobuf.Descriptors.DescriptorValidationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static DescriptorProto message(String name, FieldDescriptorProto.Builder... fields) {
        DescriptorProto.Builder b = DescriptorProto.newBuilder().setName(name);
        for (FieldDescriptorProto.Builder f : fields) {
            b.addField(f);
        }
        return b.build();
    }

    private static FieldDescriptorProto.Builder field(String name, int number, FieldDescriptorProto.Type type) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type)
                .setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL);
    }

    private static MethodDescriptorProto.Builder method(String name, String in, String out, boolean serverStreaming,
                                                        HttpRule.Builder rule) {
        return MethodDescriptorProto.newBuilder().setName(name)
                .setInputType(".bookstore." + in).setOutputType(".bookstore." + out)
                .setServerStreaming(serverStreaming)
                .setOptions(MethodOptions.newBuilder().setExtension(AnnotationsProto.http, rule.build()));
    }

    /**
     * The server side: GetShelf answers the shelf and theme asked; CreateBook the book with the
     * shelf as its id; DeleteShelf fails NOT_FOUND; ListBooks streams two books; Renumber adds 1;
     * UploadCover (google.api.HttpBody both ways) says what it got, as text.
     */
    static ServerServiceDefinition definition() {
        ServiceDescriptor service = FILE.findServiceByName("Bookstore");
        Descriptor shelf = FILE.findMessageTypeByName("Shelf");
        Descriptor book = FILE.findMessageTypeByName("Book");
        ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(SERVICE);
        unary(b, service.findMethodByName("GetShelf"), (req, out) -> out.onNext(DynamicMessage.newBuilder(shelf)
                .setField(shelf.findFieldByName("id"), get(req, "shelf"))
                .setField(shelf.findFieldByName("theme"), get(req, "theme")).build()));
        unary(b, service.findMethodByName("CreateBook"), (req, out) -> {
            DynamicMessage in = (DynamicMessage) get(req, "book");
            out.onNext(in.toBuilder().setField(book.findFieldByName("id"), get(req, "shelf")).build());
        });
        unary(b, service.findMethodByName("DeleteShelf"), (req, out) -> {
            throw Status.NOT_FOUND.withDescription("no shelf " + get(req, "shelf")).asRuntimeException();
        });
        unary(b, service.findMethodByName("Renumber"), (req, out) -> out.onNext(req.toBuilder()
                .setField(shelf.findFieldByName("id"), (Long) get(req, "id") + 1).build()));
        unary(b, service.findMethodByName("UploadCover"), (req, out) -> out.onNext(DynamicMessage.newBuilder(HttpBody.newBuilder()
                .setContentType("text/plain")
                .setData(ByteString.copyFromUtf8("got " + ((ByteString) get(req, "data")).toStringUtf8()
                        + " as " + get(req, "content_type")))
                .build()).build()));
        MethodDescriptor list = service.findMethodByName("ListBooks");
        b.addMethod(grpcMethod(list, io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING),
                ServerCalls.asyncServerStreamingCall((DynamicMessage req, StreamObserver<DynamicMessage> out) -> {
                    for (String title : new String[] {"a", "b"}) {
                        out.onNext(DynamicMessage.newBuilder(book).setField(book.findFieldByName("id"), get(req, "shelf"))
                                .setField(book.findFieldByName("title"), title).build());
                    }
                    out.onCompleted();
                }));
        return b.build();
    }

    private static Object get(DynamicMessage m, String field) {
        return m.getField(m.getDescriptorForType().findFieldByName(field));
    }

    private static void unary(ServerServiceDefinition.Builder b, MethodDescriptor m,
                              BiConsumer<DynamicMessage, StreamObserver<DynamicMessage>> handler) {
        b.addMethod(grpcMethod(m, io.grpc.MethodDescriptor.MethodType.UNARY),
                ServerCalls.asyncUnaryCall((DynamicMessage req, StreamObserver<DynamicMessage> out) -> {
                    try {
                        handler.accept(req, out);
                        out.onCompleted();
                    } catch (RuntimeException e) {
                        out.onError(e);
                    }
                }));
    }

    private static io.grpc.MethodDescriptor<DynamicMessage, DynamicMessage> grpcMethod(
            MethodDescriptor m, io.grpc.MethodDescriptor.MethodType type) {
        return io.grpc.MethodDescriptor.<DynamicMessage, DynamicMessage>newBuilder()
                .setType(type)
                .setFullMethodName(io.grpc.MethodDescriptor.generateFullMethodName(SERVICE, m.getName()))
                .setRequestMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(m.getInputType())))
                .setResponseMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(m.getOutputType())))
                .build();
    }
}

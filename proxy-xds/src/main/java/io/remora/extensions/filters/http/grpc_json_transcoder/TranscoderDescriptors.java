package io.remora.extensions.filters.http.grpc_json_transcoder;

import com.google.api.AnnotationsProto;
import com.google.api.HttpBodyProto;
import com.google.api.HttpProto;
import com.google.api.HttpRule;
import com.google.protobuf.AnyProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.MethodOptions;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DurationProto;
import com.google.protobuf.EmptyProto;
import com.google.protobuf.ExtensionRegistry;
import com.google.protobuf.FieldMaskProto;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.StructProto;
import com.google.protobuf.TimestampProto;
import com.google.protobuf.WrappersProto;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.StatusProto;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The descriptor pool built from {@code proto_descriptor(_bin)}: every file of the set, its
 * imports resolved within the set (the well-known and google.api / google.rpc files come from the
 * classpath when the set lacks them), and the google.api.http rule of each method.
 */
final class TranscoderDescriptors {

    private static final ExtensionRegistry HTTP_RULE = ExtensionRegistry.newInstance();
    private static final Map<String, FileDescriptor> BUILT_IN = new HashMap<>();

    static {
        AnnotationsProto.registerAllExtensions(HTTP_RULE);
        for (FileDescriptor f : new FileDescriptor[] {AnyProto.getDescriptor(), TimestampProto.getDescriptor(),
                DurationProto.getDescriptor(), WrappersProto.getDescriptor(), StructProto.getDescriptor(),
                EmptyProto.getDescriptor(), FieldMaskProto.getDescriptor(),
                com.google.protobuf.DescriptorProtos.getDescriptor(), AnnotationsProto.getDescriptor(),
                HttpProto.getDescriptor(), HttpBodyProto.getDescriptor(), StatusProto.getDescriptor()}) {
            BUILT_IN.put(f.getName(), f);
        }
    }

    private final Map<String, FileDescriptor> files;

    private TranscoderDescriptors(Map<String, FileDescriptor> files) {
        this.files = files;
    }

    /** Builds the set's files; an IllegalArgumentException says why it cannot. */
    static TranscoderDescriptors load(byte[] bytes) {
        FileDescriptorSet set;
        try {
            set = FileDescriptorSet.parseFrom(bytes, HTTP_RULE);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("unable to parse proto descriptor: " + e.getMessage());
        }
        Map<String, FileDescriptorProto> protos = new LinkedHashMap<>();
        for (FileDescriptorProto p : set.getFileList()) {
            protos.put(p.getName(), p);
        }
        Map<String, FileDescriptor> built = new LinkedHashMap<>();
        for (String name : protos.keySet()) {
            build(name, protos, built, 0);
        }
        return new TranscoderDescriptors(built);
    }

    private static FileDescriptor build(String name, Map<String, FileDescriptorProto> protos,
                                        Map<String, FileDescriptor> built, int depth) {
        FileDescriptor done = built.get(name);
        if (done != null) {
            return done;
        }
        FileDescriptorProto p = protos.get(name);
        if (p == null) {
            FileDescriptor builtIn = BUILT_IN.get(name);
            if (builtIn == null) {
                throw new IllegalArgumentException("unable to build proto descriptor pool: '" + name
                        + "' is imported but not in the set (protoc --include_imports)");
            }
            return builtIn;
        }
        if (depth > protos.size()) {
            throw new IllegalArgumentException("unable to build proto descriptor pool: import cycle through '" + name + "'");
        }
        FileDescriptor[] deps = new FileDescriptor[p.getDependencyCount()];
        for (int i = 0; i < deps.length; i++) {
            deps[i] = build(p.getDependency(i), protos, built, depth + 1);
        }
        try {
            FileDescriptor f = FileDescriptor.buildFrom(p, deps);
            built.put(name, f);
            return f;
        } catch (DescriptorValidationException e) {
            throw new IllegalArgumentException("unable to build proto descriptor pool: " + e.getMessage());
        }
    }

    /** The service of this full name, or null. */
    ServiceDescriptor service(String fullName) {
        for (FileDescriptor f : files.values()) {
            ServiceDescriptor s = f.findServiceByName(simpleName(fullName, f.getPackage()));
            if (s != null && s.getFullName().equals(fullName)) {
                return s;
            }
        }
        return null;
    }

    private static String simpleName(String fullName, String pkg) {
        return pkg.isEmpty() ? fullName : fullName.startsWith(pkg + ".") ? fullName.substring(pkg.length() + 1) : "";
    }

    /** The method's google.api.http option, or null when it has none. */
    static HttpRule httpRule(MethodDescriptor m) {
        try {
            // Parsed again: a pool built from parsed protos may keep the extension as an unknown field.
            MethodOptions o = MethodOptions.parseFrom(m.toProto().getOptions().toByteString(), HTTP_RULE);
            return o.hasExtension(AnnotationsProto.http) ? o.getExtension(AnnotationsProto.http) : null;
        } catch (InvalidProtocolBufferException e) {
            return null;
        }
    }

    /** Every message of the pool (and google.rpc.Status), for Any in JSON both ways. */
    JsonFormat.TypeRegistry typeRegistry() {
        JsonFormat.TypeRegistry.Builder b = JsonFormat.TypeRegistry.newBuilder();
        for (FileDescriptor f : files.values()) {
            for (Descriptor d : f.getMessageTypes()) {
                b.add(d);
            }
        }
        b.add(com.google.rpc.Status.getDescriptor());
        return b.build();
    }
}

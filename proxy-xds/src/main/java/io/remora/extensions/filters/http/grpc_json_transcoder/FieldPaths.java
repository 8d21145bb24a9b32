package io.remora.extensions.filters.http.grpc_json_transcoder;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;

import java.util.ArrayList;
import java.util.List;

/** Resolving dotted field paths of bindings, bodies and response bodies against a message type. */
final class FieldPaths {

    static final String HTTP_BODY = "google.api.HttpBody";

    private FieldPaths() {
    }

    /**
     * The fields {@code names} walk through from {@code type}, each by its proto or JSON name (as
     * the transcoding library's type helper finds them); null when one is missing or a non-last
     * one is not a singular message.
     */
    static List<FieldDescriptor> resolve(Descriptor type, List<String> names) {
        List<FieldDescriptor> out = new ArrayList<>(names.size());
        Descriptor current = type;
        for (String name : names) {
            if (current == null) {
                return null;
            }
            FieldDescriptor f = byName(current, name);
            if (f == null) {
                return null;
            }
            out.add(f);
            current = f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !f.isRepeated() ? f.getMessageType() : null;
        }
        return out;
    }

    private static FieldDescriptor byName(Descriptor type, String name) {
        FieldDescriptor f = type.findFieldByName(name);
        if (f != null) {
            return f;
        }
        for (FieldDescriptor candidate : type.getFields()) {
            if (candidate.getJsonName().equals(name)) {
                return candidate;
            }
        }
        return null;
    }

    /** The message type at the end of {@code path} from {@code type} (the type itself for an empty path). */
    static Descriptor typeAt(Descriptor type, List<FieldDescriptor> path) {
        if (path.isEmpty()) {
            return type;
        }
        FieldDescriptor last = path.get(path.size() - 1);
        return last.getJavaType() == FieldDescriptor.JavaType.MESSAGE ? last.getMessageType() : null;
    }

    static boolean isHttpBody(Descriptor type) {
        return type != null && HTTP_BODY.equals(type.getFullName());
    }

    static String names(List<FieldDescriptor> path) {
        StringBuilder sb = new StringBuilder();
        for (FieldDescriptor f : path) {
            if (!sb.isEmpty()) {
                sb.append('.');
            }
            sb.append(f.getName());
        }
        return sb.toString();
    }
}

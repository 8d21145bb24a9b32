package io.remora.xds.translate;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.WireFormat;
import io.remora.xds.bootstrap.EnvoyTypeRegistry;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Finds every embedded message of one type in a config, at any depth and inside the {@code Any}s of
 * known types, by reading the message's wire form against its descriptors. A walk through
 * {@code getAllFields()} would do the same, but on Envoy's generated classes it builds each visited
 * type's field-accessor table by reflection (a {@code Method} per accessor, ~7,000 of them for a
 * small bootstrap, held for the process's life). Message fields are read as views of the parent's
 * bytes, not copies. A field that is not well formed ends the walk of its message: the translator
 * reports it.
 */
public final class MessageScan {

    private static final String ANY = com.google.protobuf.Any.getDescriptor().getFullName();

    private MessageScan() {
    }

    /** Calls {@code each} with the bytes and the field path of every {@code target} message inside {@code root}. */
    public static void forEach(Message root, Descriptor target, FieldPath path,
                               BiConsumer<ByteString, FieldPath> each) {
        scan(GeneratedMessages.descriptorOf(root), root.toByteString(), target, path, each);
    }

    private static void scan(Descriptor type, ByteString bytes, Descriptor target, FieldPath path,
                             BiConsumer<ByteString, FieldPath> each) {
        if (type.equals(target)) {
            each.accept(bytes, path);
            return;
        }
        try {
            if (type.getFullName().equals(ANY)) {
                scanAny(bytes, target, path, each);
                return;
            }
            CodedInputStream in = bytes.newCodedInput();
            in.enableAliasing(true);
            Map<Integer, Integer> seen = null;
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                FieldDescriptor f = type.findFieldByNumber(WireFormat.getTagFieldNumber(tag));
                if (f == null || f.getJavaType() != FieldDescriptor.JavaType.MESSAGE
                        || WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    in.skipField(tag);
                    continue;
                }
                FieldPath at = path.field(f.getName());
                if (f.isRepeated()) {
                    if (seen == null) {
                        seen = new HashMap<>();
                    }
                    at = at.index(seen.merge(f.getNumber(), 1, Integer::sum) - 1);
                }
                scan(f.getMessageType(), in.readBytes(), target, at, each);
            }
        } catch (IOException e) {
            // not well formed: the translator names the field
        }
    }

    /** An Any's value as its type, when the type is one Remora knows. */
    private static void scanAny(ByteString bytes, Descriptor target, FieldPath path,
                                BiConsumer<ByteString, FieldPath> each) throws IOException {
        CodedInputStream in = bytes.newCodedInput();
        in.enableAliasing(true);
        String url = "";
        ByteString value = ByteString.EMPTY;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag) {
                case 10 -> url = in.readStringRequireUtf8();
                case 18 -> value = in.readBytes();
                default -> in.skipField(tag);
            }
        }
        Descriptor inner = url.isEmpty() ? null : EnvoyTypeRegistry.find(url);
        if (inner != null) {
            scan(inner, value, target, path, each);
        }
    }
}

package com.example.stamp;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;

/**
 * The config messages of a third-party extension that ships no generated classes, as Istio's
 * own filters do: {@code example.stamp.v1.Stamp {header, value}}, {@code StampPerRoute {value}},
 * {@code ConnectionStamp {key, value}}.
 */
final class StampProtos {

    static final Descriptor STAMP;
    static final Descriptor STAMP_PER_ROUTE;
    static final Descriptor CONNECTION_STAMP;

    static {
        FileDescriptorProto file = FileDescriptorProto.newBuilder()
                .setName("example/stamp/v1/stamp.proto").setPackage("example.stamp.v1").setSyntax("proto3")
                .addMessageType(message("Stamp", "header", "value"))
                .addMessageType(message("StampPerRoute", "value"))
                .addMessageType(message("ConnectionStamp", "key", "value"))
                .build();
        try {
            FileDescriptor fd = FileDescriptor.buildFrom(file, new FileDescriptor[0]);
            STAMP = fd.findMessageTypeByName("Stamp");
            STAMP_PER_ROUTE = fd.findMessageTypeByName("StampPerRoute");
            CONNECTION_STAMP = fd.findMessageTypeByName("ConnectionStamp");
        } catch (DescriptorValidationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private StampProtos() {
    }

    private static DescriptorProto message(String name, String... stringFields) {
        DescriptorProto.Builder b = DescriptorProto.newBuilder().setName(name);
        for (int i = 0; i < stringFields.length; i++) {
            b.addField(FieldDescriptorProto.newBuilder().setName(stringFields[i]).setNumber(i + 1)
                    .setType(FieldDescriptorProto.Type.TYPE_STRING).setJsonName(stringFields[i]));
        }
        return b.build();
    }

    static String string(DynamicMessage m, String field) {
        return (String) m.getField(m.getDescriptorForType().findFieldByName(field));
    }
}

package io.remora.extensions.filters.http.grpc_json_transcoder;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;

import java.util.List;

/**
 * A gRPC method the transcoder calls: its {@code :path} upstream, and where the response's JSON
 * comes from (the whole message, or a {@code google.api.HttpBody} at {@code response_body}).
 */
record TranscodedMethod(MethodDescriptor descriptor, String grpcPath, List<FieldDescriptor> responseBodyPath,
                        boolean responseIsHttpBody) {

    boolean serverStreaming() {
        return descriptor.isServerStreaming();
    }
}

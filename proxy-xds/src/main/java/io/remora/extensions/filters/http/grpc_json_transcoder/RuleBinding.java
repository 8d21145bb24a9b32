package io.remora.extensions.filters.http.grpc_json_transcoder;

import com.google.protobuf.Descriptors.FieldDescriptor;

import java.util.List;

/**
 * One HTTP binding of a method (its rule or one of its additional_bindings): the HTTP method and
 * path template, and where the request body goes — nowhere ({@code hasBody} false), the whole
 * message ({@code body: "*"}, empty path) or the field at {@code bodyPath}.
 */
record RuleBinding(String httpMethod, HttpPathTemplate template, TranscodedMethod method, boolean hasBody,
                   List<FieldDescriptor> bodyPath, boolean bodyIsHttpBody) {
}

package io.remora.extensions.filters.http.grpc_json_transcoder;

import java.util.List;

/** A value from the path or the query for the request field at {@code fieldPath} (field names). */
record FieldBinding(List<String> fieldPath, String value) {
}

package io.remora.accesslog;

/**
 * A filter state object that Envoy keeps as a string accessor (set_filter_state's {@code envoy.string} and
 * {@code envoy.hashable_string} objects): its TYPED form is the JSON of a {@code google.protobuf.StringValue}, so
 * {@code %FILTER_STATE(KEY)%} prints it as a quoted JSON string in text (a header value, a text log line) and as a
 * string in a JSON log, where {@code KEY:PLAIN} prints the bare text.
 */
public interface FilterStateString {
}

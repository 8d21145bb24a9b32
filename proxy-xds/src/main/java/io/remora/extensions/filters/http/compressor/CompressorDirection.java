package io.remora.extensions.filters.http.compressor;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One direction of a compressor ({@code Compressor.CommonDirectionConfig}): whether it is on, the
 * minimum {@code content-length} and the content types it compresses.
 *
 * @param enabled           {@code enabled.default_value} (true when unset)
 * @param enabledRuntimeKey {@code enabled.runtime_key}, "" when none: the runtime's boolean overrides
 * @param contentTypes      lower-case media types (parameters cropped); Envoy's default list when not configured
 */
public record CompressorDirection(boolean enabled, String enabledRuntimeKey, long minContentLength,
                                  Set<String> contentTypes) {

    public static final int DEFAULT_MIN_CONTENT_LENGTH = 30;

    /** Envoy's default list, used when {@code content_type} is empty. */
    public static final List<String> DEFAULT_CONTENT_TYPES = List.of(
            "text/html", "text/plain", "text/css", "application/javascript", "application/x-javascript",
            "text/javascript", "text/x-javascript", "text/ecmascript", "text/js", "text/jscript", "text/x-js",
            "application/ecmascript", "application/x-json", "application/xml", "application/json",
            "image/svg+xml", "text/xml", "application/xhtml+xml", "application/grpc-web",
            "application/grpc-web+proto");

    public CompressorDirection {
        contentTypes = Set.copyOf(contentTypes);
    }

    /** Envoy's RuntimeFeatureFlag: the runtime's value for the key, else the default. */
    boolean enabled(io.remora.runtime.Runtime runtime) {
        return enabledRuntimeKey.isEmpty() ? enabled : runtime.getBoolean(enabledRuntimeKey, enabled);
    }

    /** A missing content-type is allowed, as in Envoy; otherwise its media type must be listed. */
    public boolean contentTypeAllowed(CharSequence contentType) {
        if (contentType == null || contentTypes.isEmpty()) {
            return true;
        }
        String v = contentType.toString();
        int semi = v.indexOf(';');
        if (semi >= 0) {
            v = v.substring(0, semi);
        }
        return contentTypes.contains(v.trim().toLowerCase(Locale.ROOT));
    }
}

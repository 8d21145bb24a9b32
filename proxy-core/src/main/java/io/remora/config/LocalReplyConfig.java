package io.remora.config;

import java.util.List;
import java.util.Map;

/**
 * {@code http_connection_manager.local_reply_config}: how the replies the connection manager makes
 * itself (no route, upstream failures, filters' denials, direct responses) are rewritten.
 *
 * @param mappers    tried in order; the first whose filter matches the reply rewrites it
 * @param bodyFormat the body's format when no matching mapper has its own; null keeps the body as
 *                   it is ({@code %LOCAL_REPLY_BODY%}, text/plain)
 */
public record LocalReplyConfig(List<Mapper> mappers, BodyFormat bodyFormat) {

    public LocalReplyConfig {
        mappers = mappers == null ? List.of() : List.copyOf(mappers);
    }

    /**
     * One {@code mappers} entry.
     *
     * @param filter             which replies it rewrites (an access log filter, required)
     * @param statusCode         the new status, or 0 to keep it
     * @param body               the new body, or null to keep it
     * @param bodyFormatOverride the body's format for these replies, or null for the config's
     * @param headersToAdd       response headers added to these replies
     */
    public record Mapper(AccessLogFilter filter, int statusCode, String body, BodyFormat bodyFormatOverride,
                         HeaderMutation headersToAdd) {
        public Mapper {
            java.util.Objects.requireNonNull(filter, "filter");
            headersToAdd = headersToAdd == null ? HeaderMutation.NONE : headersToAdd;
        }
    }

    /**
     * A body format ({@code SubstitutionFormatString}): exactly one of {@code textFormat} and
     * {@code jsonFormat}.
     *
     * @param contentType the reply's content type; null: application/json for a JSON format, else
     *                    text/plain
     */
    public record BodyFormat(String textFormat, Map<String, Object> jsonFormat, boolean omitEmptyValues,
                             String contentType) {
        public BodyFormat {
            jsonFormat = jsonFormat == null ? null : java.util.Collections.unmodifiableMap(
                    new java.util.LinkedHashMap<>(jsonFormat));
        }
    }
}

package io.remora.config;

import java.util.List;

/**
 * Headers to add and remove ({@code request_headers_to_add}/{@code _to_remove}, and the response
 * ones). Values may hold Envoy's command operators (e.g. {@code %DOWNSTREAM_REMOTE_ADDRESS%}),
 * which the runtime substitutes.
 */
public record HeaderMutation(List<HeaderValueOption> add, List<String> remove) {

    public static final HeaderMutation NONE = new HeaderMutation(List.of(), List.of());

    public boolean isEmpty() {
        return add.isEmpty() && remove.isEmpty();
    }

    /** {@code config.core.v3.HeaderValueOption}. */
    public record HeaderValueOption(String key, String value, AppendAction action, boolean keepEmptyValue) {
    }

    /** {@code HeaderValueOption.HeaderAppendAction}; the deprecated {@code append: false} maps to OVERWRITE_IF_EXISTS_OR_ADD. */
    public enum AppendAction { APPEND_IF_EXISTS_OR_ADD, ADD_IF_ABSENT, OVERWRITE_IF_EXISTS_OR_ADD, OVERWRITE_IF_EXISTS }
}

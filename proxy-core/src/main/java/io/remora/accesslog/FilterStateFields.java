package io.remora.accesslog;

/**
 * A filter state object with named fields (Envoy's {@code FilterState::Object::getField}), read by
 * {@code %FILTER_STATE(KEY:FIELD:NAME)%}.
 */
public interface FilterStateFields {

    /** The field's value (a String or a Number), or null when the object has none by that name. */
    Object field(String name);

    /**
     * The object's text form for {@code %FILTER_STATE(KEY:PLAIN)%} and {@code KEY} (Envoy's
     * serializeAsString); null when it has none, as objects that only expose fields.
     */
    default String text() {
        return toString();
    }
}

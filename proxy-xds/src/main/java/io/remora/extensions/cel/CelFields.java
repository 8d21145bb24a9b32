package io.remora.extensions.cel;

import java.util.Map;

/**
 * A filter state object whose fields CEL can select ({@code filter_state.upstream_peer.service}),
 * as Envoy's objects with field support; other objects are seen as their serialized bytes.
 */
public interface CelFields {

    /** The fields, by name (values: String, Long, Boolean, Map or List). */
    Map<String, Object> celFields();
}

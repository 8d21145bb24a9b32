package io.remora.extensions.filters.http.set_metadata;

import io.remora.config.HttpFilterConfig;

import java.util.List;
import java.util.Map;

/**
 * {@code envoy.filters.http.set_metadata}: namespaces of dynamic metadata to set on each request,
 * in order (the deprecated {@code metadata_namespace}/{@code value} first, then {@code metadata}).
 */
record SetMetadataConfig(List<Entry> entries) implements HttpFilterConfig {

    static final String NAME = "envoy.filters.http.set_metadata";

    SetMetadataConfig {
        entries = List.copyOf(entries);
    }

    @Override
    public String filterName() {
        return NAME;
    }

    /**
     * One namespace's values.
     *
     * @param value          the Struct as plain, immutable Java values (FilterProtos.plain)
     * @param allowOverwrite merge into a namespace that exists already, else leave it alone
     */
    record Entry(String namespace, Map<String, Object> value, boolean allowOverwrite) {
    }
}

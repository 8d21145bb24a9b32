package io.remora.config;

import java.util.Map;

/**
 * One {@code typed_per_filter_config} entry. An entry enables its filter for the route (also one
 * the connection manager declared {@code disabled}) unless {@code disabled} is set.
 *
 * @param config the filter's per-route config; null when the entry only enables or disables it
 *               (or was optional and unknown)
 */
public record PerFilterConfig(RouteFilterConfig config, boolean disabled) {

    public static final PerFilterConfig DISABLED = new PerFilterConfig(null, true);
    public static final PerFilterConfig ENABLED = new PerFilterConfig(null, false);

    /** No entries. */
    public static final Map<String, PerFilterConfig> NONE = Map.of();
}

package io.remora.admin;

/**
 * {@code /config_dump}'s query parameters, as Envoy reads them.
 *
 * @param resource   {@code resource=}: dump only the items of this repeated field (e.g.
 *                   {@code dynamic_active_clusters}), each as a top-level config; null = every dump
 * @param mask       {@code mask=}: a comma-separated FieldMask applied to each dump (or to each item
 *                   with {@code resource}); null = no mask
 * @param nameRegex  {@code name_regex=}: only resources whose name matches; null = all
 * @param includeEds {@code include_eds}: add the EndpointsConfigDump
 */
public record ConfigDumpQuery(String resource, String mask, String nameRegex, boolean includeEds) {

    public static final ConfigDumpQuery ALL = new ConfigDumpQuery(null, null, null, false);
}

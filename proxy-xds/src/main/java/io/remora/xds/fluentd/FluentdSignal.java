package io.remora.xds.fluentd;

import io.remora.util.MsgPackWriter;

/**
 * What a Fluentd upstream carries, which decides its message's shape and its stats' scope: the
 * access logger sends Forward mode {@code [tag, entries]} and counts under
 * {@code access_logs.fluentd}; the tracer adds Envoy's option map
 * {@code {"TimeFormat": "DateTime", "fluent_signal": "2"}} and counts under {@code tracing.fluentd}.
 */
enum FluentdSignal {
    ACCESS_LOGS("envoy_access_logs_fluentd_", false),
    TRACES("envoy_tracing_fluentd_", true);

    /** The stats' meter name prefix (StatNames maps it back to Envoy's scope). */
    final String metricPrefix;
    private final boolean options;

    FluentdSignal(String metricPrefix, boolean options) {
        this.metricPrefix = metricPrefix;
        this.options = options;
    }

    /** The start of every message, up to its entries: the array's header (three items with options) and the tag. */
    byte[] head(String tag) {
        return new MsgPackWriter(16 + tag.length()).array(options ? 3 : 2).string(tag).toByteArray();
    }

    /** What follows the entries: the option map, or nothing. */
    byte[] tail() {
        if (!options) {
            return new byte[0];
        }
        // Envoy packs a std::map: keys in byte order.
        return new MsgPackWriter(40).map(2).string("TimeFormat").string("DateTime")
                .string("fluent_signal").string("2").toByteArray();
    }
}

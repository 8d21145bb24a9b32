package io.remora.extensions.filters.http.header_to_metadata;

import io.remora.config.HttpFilterConfig;
import io.remora.config.RouteFilterConfig;
import io.remora.route.RegexRewriter;

import java.util.List;

/**
 * {@code envoy.filters.http.header_to_metadata}: rules turning request and response headers (or
 * cookies) into dynamic metadata. Also the per-route config, which replaces the filter's.
 */
public record HeaderToMetadataConfig(List<Rule> requestRules, List<Rule> responseRules)
        implements HttpFilterConfig, RouteFilterConfig {

    static final String NAME = "envoy.filters.http.header_to_metadata";

    public HeaderToMetadataConfig {
        requestRules = List.copyOf(requestRules);
        responseRules = List.copyOf(responseRules);
    }

    @Override
    public String filterName() {
        return NAME;
    }

    public enum ValueType { STRING, NUMBER, PROTOBUF_VALUE }

    /**
     * Where and how a value lands.
     *
     * @param value   a fixed value, or null to use the header's (after {@code rewrite})
     * @param rewrite {@code regex_value_rewrite}, or null
     * @param base64  {@code encode: BASE64}: the header value is base64 (decoded before typing)
     */
    public record KeyValue(String namespace, String key, String value, RegexRewriter rewrite, ValueType type,
                    boolean base64) {
    }

    /**
     * One rule.
     *
     * @param header  lower-case header name, or null when the rule reads a cookie
     * @param cookie  cookie name, or null
     * @param onPresent null: nothing to do when present
     * @param onMissing null: nothing to do when missing
     */
    public record Rule(String header, String cookie, KeyValue onPresent, KeyValue onMissing, boolean remove) {
    }
}

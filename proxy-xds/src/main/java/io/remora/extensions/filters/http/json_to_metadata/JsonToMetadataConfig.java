package io.remora.extensions.filters.http.json_to_metadata;

import com.google.re2j.Pattern;
import io.remora.config.HttpFilterConfig;
import io.remora.config.RouteFilterConfig;

import java.util.List;
import java.util.Set;

/**
 * {@code envoy.filters.http.json_to_metadata}: rules turning values of a JSON request or response
 * body into dynamic metadata. Also the per-route config, which replaces the filter's whole.
 *
 * @param request  null when the request body is not looked at
 * @param response null when the response body is not looked at
 */
record JsonToMetadataConfig(MatchRules request, MatchRules response) implements HttpFilterConfig, RouteFilterConfig {

    static final String NAME = "envoy.filters.http.json_to_metadata";

    @Override
    public String filterName() {
        return NAME;
    }

    enum ValueType { PROTOBUF_VALUE, STRING, NUMBER }

    /**
     * @param contentTypes      whole {@code content-type} values allowed (exact, as Envoy compares them)
     * @param contentTypesRegex also allowed when it matches the whole value; null when not set
     */
    record MatchRules(List<Rule> rules, Set<String> contentTypes, boolean allowEmptyContentType,
                      Pattern contentTypesRegex) {
        MatchRules {
            rules = List.copyOf(rules);
            contentTypes = Set.copyOf(contentTypes);
        }

        boolean allows(CharSequence contentType) {
            if (contentType == null || contentType.length() == 0) {
                return allowEmptyContentType;
            }
            String ct = contentType.toString();
            return contentTypes.contains(ct) || (contentTypesRegex != null && contentTypesRegex.matches(ct));
        }
    }

    /**
     * @param keys      the selectors' keys, outermost first
     * @param onPresent null: nothing when the value is there
     * @param onMissing null: nothing when it is not (always has a value)
     * @param onError   null: nothing when the body is not JSON or its content type not allowed
     */
    record Rule(List<String> keys, KeyValue onPresent, KeyValue onMissing, KeyValue onError) {
        Rule {
            keys = List.copyOf(keys);
        }
    }

    /**
     * @param value a fixed value (String, Double, Boolean, List or Map), used as it is; null when
     *              none or a JSON null (which sets nothing)
     * @param fixed whether {@code value} was configured; if not, the JSON value is taken, converted as
     *              {@code type} says
     */
    record KeyValue(String namespace, String key, Object value, ValueType type, boolean preserveExisting,
                    boolean fixed) {
    }
}

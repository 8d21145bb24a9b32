package io.remora.xds.translate;

import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ValueMatcher;
import io.remora.config.MetadataMatch;
import io.remora.config.ValueMatch;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code type.matcher.v3.MetadataMatcher} and its {@code ValueMatcher}: RBAC's metadata
 * principals and permissions, ext_authz's filter_enabled_metadata, a route's dynamic_metadata.
 */
public final class MetadataMatcherTranslator {

    private MetadataMatcherTranslator() {
    }

    public static MetadataMatch translate(MetadataMatcher m, FieldPath path) {
        if (m.getFilter().isEmpty()) {
            throw path.field("filter").error("must not be empty");
        }
        if (m.getPathCount() == 0) {
            throw path.field("path").error("must have at least 1 item");
        }
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < m.getPathCount(); i++) {
            String k = m.getPath(i).getKey();
            if (k.isEmpty()) {
                throw path.field("path").index(i).field("key").error("must not be empty");
            }
            keys.add(k);
        }
        if (!m.hasValue()) {
            throw path.field("value").error("missing required field");
        }
        return new MetadataMatch(m.getFilter(), keys, value(m.getValue(), path.field("value")), m.getInvert());
    }

    static ValueMatch value(ValueMatcher v, FieldPath path) {
        return switch (v.getMatchPatternCase()) {
            case NULL_MATCH -> new ValueMatch.NullValue();
            case DOUBLE_MATCH -> {
                var d = v.getDoubleMatch();
                yield switch (d.getMatchPatternCase()) {
                    case EXACT -> new ValueMatch.DoubleValue(d.getExact(), 0, 0);
                    case RANGE -> {
                        if (d.getRange().getStart() >= d.getRange().getEnd()) {
                            throw path.field("double_match").field("range").error("start must be less than end");
                        }
                        yield new ValueMatch.DoubleValue(null, d.getRange().getStart(), d.getRange().getEnd());
                    }
                    case MATCHPATTERN_NOT_SET -> throw path.field("double_match")
                            .error("missing required field: one of range, exact");
                };
            }
            case STRING_MATCH -> new ValueMatch.StringValue(
                    StringMatcherTranslator.translate(v.getStringMatch(), path.field("string_match")));
            case BOOL_MATCH -> new ValueMatch.BoolValue(v.getBoolMatch());
            case PRESENT_MATCH -> new ValueMatch.Present(v.getPresentMatch());
            case LIST_MATCH -> {
                if (!v.getListMatch().hasOneOf()) {
                    throw path.field("list_match").error("missing required field: one_of");
                }
                yield new ValueMatch.ListOneOf(value(v.getListMatch().getOneOf(), path.field("list_match").field("one_of")));
            }
            case OR_MATCH -> {
                var or = v.getOrMatch();
                if (or.getValueMatchersCount() < 2) {
                    throw path.field("or_match").field("value_matchers").error("must have at least 2 items");
                }
                List<ValueMatch> out = new ArrayList<>();
                for (int i = 0; i < or.getValueMatchersCount(); i++) {
                    out.add(value(or.getValueMatchers(i), path.field("or_match").field("value_matchers").index(i)));
                }
                yield new ValueMatch.AnyOf(out);
            }
            case MATCHPATTERN_NOT_SET -> throw path.error("missing required field: one of the value matchers");
        };
    }
}

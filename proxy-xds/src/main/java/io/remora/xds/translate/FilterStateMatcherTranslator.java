package io.remora.xds.translate;

import io.envoyproxy.envoy.type.matcher.v3.FilterStateMatcher;
import io.remora.matching.CompiledCidr;
import io.remora.matching.FilterStateMatch;

import java.util.ArrayList;
import java.util.List;

/** {@code type.matcher.v3.FilterStateMatcher}, for RBAC and route matches alike. */
public final class FilterStateMatcherTranslator {

    private FilterStateMatcherTranslator() {
    }

    public static FilterStateMatch translate(FilterStateMatcher f, FieldPath path) {
        if (f.getKey().isEmpty()) {
            throw path.field("key").error("must not be empty");
        }
        return switch (f.getMatcherCase()) {
            case STRING_MATCH -> new FilterStateMatch(f.getKey(),
                    StringMatcherTranslator.translate(f.getStringMatch(), path.field("string_match")), null);
            case ADDRESS_MATCH -> {
                List<CompiledCidr> ranges = new ArrayList<>();
                var am = f.getAddressMatch();
                for (int i = 0; i < am.getRangesCount(); i++) {
                    var r = am.getRanges(i);
                    ranges.add(range(r.getAddressPrefix(), r.hasPrefixLen() ? r.getPrefixLen().getValue() : 0,
                            path.field("address_match").field("ranges").index(i)));
                }
                yield new FilterStateMatch(f.getKey(), null, ranges);
            }
            case MATCHER_NOT_SET -> throw path.error("missing required field: one of string_match, address_match");
        };
    }

    /** A {@code CidrRange}; its errors in Envoy's words. */
    public static CompiledCidr range(String prefix, int len, FieldPath path) {
        if (prefix.isEmpty()) {
            throw path.field("address_prefix").error("missing required field");
        }
        try {
            return CompiledCidr.parse(prefix, len);
        } catch (IllegalArgumentException e) {
            throw path.error("invalid ip/mask combo '" + prefix + "/" + len + "': " + e.getMessage());
        }
    }
}

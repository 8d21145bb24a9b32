package io.remora.matching;

import io.remora.config.MatchInput;
import io.remora.config.MetadataMatch;
import io.remora.config.ValueMatch;

/**
 * {@code envoy.matching.matchers.metadata_matcher}: the value a {@code DynamicMetadataInput}
 * reaches against a value matcher, inverted if asked. As in Envoy it only reads metadata inputs:
 * any other input never matches, inverted or not; a path that reaches nothing is a missing value,
 * which no value matcher accepts (inverted, it matches).
 */
public record MetadataInputMatcher(ValueMatch value, boolean invert) implements InputMatcher {

    @Override
    public boolean matches(MatchInput input, MatchingData data) {
        if (input.kind() != MatchInput.Kind.DYNAMIC_METADATA) {
            return false;
        }
        return value.matches(MetadataMatch.lookup(data.dynamicMetadata(), input.key(), input.path())) != invert;
    }
}

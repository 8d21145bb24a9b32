package io.remora.matching;

import io.remora.config.MatchInput;
import io.remora.runtime.FractionalPercent;
import io.remora.upstream.lb.XxHash64;

/**
 * {@code envoy.matching.matchers.runtime_fraction}: the input's {@code xxHash64(input, seed)}
 * stands in for the random value of the runtime key's feature check, so one input always
 * falls on the same side of the fraction until the runtime value moves.
 *
 * @param runtimeKey {@code runtime_fraction.runtime_key} (may be empty: the default always applies)
 */
public record RuntimeFractionMatcher(String runtimeKey, FractionalPercent defaultValue, long seed)
        implements InputMatcher {

    @Override
    public boolean matches(MatchInput input, MatchingData data) {
        String v = data.value(input);
        return v != null && data.runtime().featureEnabled(runtimeKey, defaultValue, XxHash64.hash(v, seed));
    }
}

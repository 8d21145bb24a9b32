package io.remora.matching;

import io.remora.config.MatchInput;
import io.remora.upstream.lb.XxHash64;

/**
 * {@code envoy.matching.matchers.consistent_hashing}: matches when
 * {@code xxHash64(input, seed) % modulo >= threshold}, the hash read as unsigned as Envoy's
 * uint64 is, so an input lands in the same bucket here as in Envoy.
 */
public record ConsistentHashMatcher(long threshold, long modulo, long seed) implements InputMatcher {

    public ConsistentHashMatcher {
        if (modulo <= 0 || threshold < 0 || threshold > modulo) {
            throw new IllegalArgumentException("need 0 <= threshold <= modulo and modulo > 0");
        }
    }

    @Override
    public boolean matches(MatchInput input, MatchingData data) {
        String v = data.value(input);
        return v != null && bucket(v) >= threshold;
    }

    /** The input's bucket, in [0, modulo). */
    public long bucket(String value) {
        return Long.remainderUnsigned(XxHash64.hash(value, seed), modulo);
    }
}

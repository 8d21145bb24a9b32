package io.remora.extensions.filters.common;

/**
 * Envoy's {@code type.v3.FractionalPercent} as a runtime decision: a request is in the fraction
 * when {@code random % denominator < numerator} (Envoy's {@code evaluateFractionalPercent}), so a
 * numerator at or above the denominator takes every request and zero takes none.
 *
 * @param numerator   as configured (may exceed the denominator)
 * @param denominator 100, 10000 or 1000000
 */
public record Fraction(long numerator, long denominator) {

    public static final Fraction NONE = new Fraction(0, 100);
    public static final Fraction ALL = new Fraction(100, 100);

    public Fraction {
        if (denominator != 100 && denominator != 10_000 && denominator != 1_000_000) {
            throw new IllegalArgumentException("denominator must be 100, 10000 or 1000000: " + denominator);
        }
        if (numerator < 0) {
            throw new IllegalArgumentException("negative numerator " + numerator);
        }
    }

    /** Whether a request drawing {@code random} (any non-negative value) falls in the fraction. */
    public boolean includes(long random) {
        return Long.remainderUnsigned(random, denominator) < numerator;
    }

    /** The same denominator with at most {@code cap} as numerator (Envoy's header percentage rule). */
    public Fraction capped(long cap) {
        return cap >= numerator ? this : new Fraction(cap, denominator);
    }
}

package io.remora.runtime;

/**
 * Envoy's {@code envoy.type.v3.FractionalPercent}: numerator over a fixed denominator. A
 * numerator above the denominator means "always".
 */
public record FractionalPercent(long numerator, Denominator denominator) {

    public enum Denominator {
        HUNDRED(100), TEN_THOUSAND(10_000), MILLION(1_000_000);

        private final long value;

        Denominator(long value) {
            this.value = value;
        }

        public long value() {
            return value;
        }
    }

    public FractionalPercent {
        if (numerator < 0) {
            throw new IllegalArgumentException("numerator must not be negative: " + numerator);
        }
        if (denominator == null) {
            denominator = Denominator.HUNDRED;
        }
    }

    public static FractionalPercent ofPercent(long percent) {
        return new FractionalPercent(percent, Denominator.HUNDRED);
    }

    /**
     * Envoy's {@code ProtobufPercentHelper::evaluateFractionalPercent}: true when
     * {@code random % denominator < numerator}; {@code random} is read as unsigned.
     */
    public boolean evaluate(long random) {
        return Long.remainderUnsigned(random, denominator.value) < numerator;
    }
}

package io.remora.stats;

/** Envoy's default histogram bucket bounds (milliseconds for *_time histograms). */
public final class EnvoyBuckets {
    public static final double[] MILLIS = {0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
            30000, 60000, 300000, 600000, 1800000, 3600000};

    private EnvoyBuckets() {
    }
}

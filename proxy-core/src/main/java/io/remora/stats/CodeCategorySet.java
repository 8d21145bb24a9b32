package io.remora.stats;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The {@code internal}, {@code external} and {@code canary} categories under one code-stat prefix
 * (a cluster's, or a cluster's alt stat name's), each registered with the first response charged
 * to it, as Envoy's dynamic stats; then each charge is an array read.
 */
final class CodeCategorySet {
    private static final String[] CATEGORIES = {CodeCategoryStats.INTERNAL, CodeCategoryStats.EXTERNAL,
        CodeCategoryStats.CANARY};

    private final MeterRegistry registry;
    private final String cluster;
    /** Put before each category's name in the meter name: empty, or {@code alt_stat_}. */
    private final String namePrefix;
    private final Tags extra;
    private final AtomicReferenceArray<CodeCategoryStats> categories = new AtomicReferenceArray<>(3);

    CodeCategorySet(MeterRegistry registry, String cluster, String namePrefix, Tags extra) {
        this.registry = registry;
        this.cluster = cluster;
        this.namePrefix = namePrefix;
        this.extra = extra;
    }

    /** CodeStatsImpl's writeCategory: {@code canary.*} for a canary, then {@code internal.*} or {@code external.*}. */
    void response(int status, boolean internal, boolean canary) {
        if (canary) {
            category(2).response(status);
        }
        category(internal ? 0 : 1).response(status);
    }

    /** chargeResponseTiming's category histograms. */
    void time(long millis, boolean internal, boolean canary) {
        if (canary) {
            category(2).time(millis);
        }
        category(internal ? 0 : 1).time(millis);
    }

    private CodeCategoryStats category(int i) {
        CodeCategoryStats c = categories.get(i);
        if (c == null) {
            // Registering the same meters twice returns the same meters: a race costs a lookup only.
            c = new CodeCategoryStats(registry, cluster, namePrefix + CATEGORIES[i], extra);
            categories.set(i, c);
        }
        return c;
    }
}

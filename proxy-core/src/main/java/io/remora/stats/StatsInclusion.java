package io.remora.stats;

import io.remora.config.StringMatcher;

import java.util.List;

/**
 * The bootstrap's {@code stats_config.stats_matcher}: which stats exist, decided on the stat's
 * dotted Envoy name ({@code cluster.xds-grpc.upstream_cx_total}). A rejected stat is never
 * created, as in Envoy: it is in no admin output and costs nothing when incremented.
 *
 * @param rejectAll {@code reject_all: true} (false: accept all, the default)
 * @param inclusion {@code inclusion_list.patterns}, or null when not set
 * @param exclusion {@code exclusion_list.patterns}, or null when not set
 */
public record StatsInclusion(boolean rejectAll, List<StringMatcher> inclusion, List<StringMatcher> exclusion) {

    public static final StatsInclusion ALL = new StatsInclusion(false, null, null);

    /**
     * Equal to {@link #ALL}, asked without the record's {@code equals}: its first call links the
     * record's ObjectMethods bootstrap, ~15 ms of the main thread at start-up for one comparison.
     */
    public boolean acceptsAll() {
        return !rejectAll && inclusion == null && exclusion == null;
    }

    public boolean accepts(String name) {
        if (rejectAll) {
            return false;
        }
        if (inclusion != null) {
            for (StringMatcher m : inclusion) {
                if (m.matches(name)) {
                    return true;
                }
            }
            return false;
        }
        if (exclusion != null) {
            for (StringMatcher m : exclusion) {
                if (m.matches(name)) {
                    return false;
                }
            }
        }
        return true;
    }
}

package io.remora.upstream;

import io.remora.config.ClusterConfig;
import io.remora.config.ClusterLoadAssignment;
import io.remora.runtime.Runtime;

/**
 * Envoy's ClusterImplBase::parseDropOverloadConfig: an assignment's drop_overloads share is capped
 * by the runtime's {@code load_balancing_policy.drop_overload_limit} (a percentage, 0 to 100, 100
 * when unset) as read when the assignment is taken; the smaller of the two is dropped. A limit over
 * 100 fails the assignment: {@link #refusal} is what the xDS layer rejects it with.
 */
public final class DropOverloadLimit {
    static final String RUNTIME_KEY = "load_balancing_policy.drop_overload_limit";
    private static final long MAX = 100;

    private DropOverloadLimit() {
    }

    /**
     * Envoy's error for an assignment with drop_overloads taken while the runtime's limit is out of range; null when
     * the assignment has no drop category or the limit is valid.
     */
    public static String refusal(ClusterLoadAssignment cla, Runtime runtime) {
        if (cla == null || cla.policy().dropCategory() == null) {
            return null;
        }
        long limit = runtime.getInteger(RUNTIME_KEY, MAX);
        return limit > MAX ? RUNTIME_KEY + " runtime key config " + limit + " is invalid. The valid range is 0~100"
                : null;
    }

    /** The config's drop share under the limit the runtime has now; {@code upstream} null: no limit. */
    static double share(ClusterConfig config, UpstreamRuntime upstream) {
        ClusterLoadAssignment cla = config.loadAssignment();
        Runtime runtime = upstream == null ? Runtime.EMPTY : upstream.layeredRuntime();
        if (cla == null || cla.policy().dropCategory() == null) {
            return 0;
        }
        // A limit over 100 never gets here through xDS (the assignment is rejected); taken as no limit otherwise.
        long limit = Math.min(runtime.getInteger(RUNTIME_KEY, MAX), MAX);
        return Math.min(cla.policy().dropFraction(), limit / (double) MAX);
    }
}

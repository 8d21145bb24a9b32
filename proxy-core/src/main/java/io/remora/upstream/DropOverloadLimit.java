package io.remora.upstream;

import io.remora.config.ClusterConfig;
import io.remora.config.ClusterLoadAssignment;
import io.remora.runtime.Runtime;

import java.util.logging.Logger;

/**
 * Envoy's ClusterImplBase::parseDropOverloadConfig: an assignment's drop_overloads share is capped
 * by the runtime's {@code load_balancing_policy.drop_overload_limit} (a percentage, 0 to 100, 100
 * when unset) as read when the assignment is taken; the smaller of the two is dropped.
 */
final class DropOverloadLimit {
    private static final Logger LOG = Logger.getLogger(DropOverloadLimit.class.getName());
    static final String RUNTIME_KEY = "load_balancing_policy.drop_overload_limit";
    private static final long MAX = 100;

    private DropOverloadLimit() {
    }

    /** The config's drop share under the limit the runtime has now; {@code upstream} null: no limit. */
    static double share(ClusterConfig config, UpstreamRuntime upstream) {
        ClusterLoadAssignment cla = config.loadAssignment();
        Runtime runtime = upstream == null ? Runtime.EMPTY : upstream.layeredRuntime();
        String cluster = config.name();
        if (cla == null || cla.policy().dropCategory() == null) {
            return 0;
        }
        double configured = cla.policy().dropFraction();
        long limit = runtime.getInteger(RUNTIME_KEY, MAX);
        if (limit > MAX) {
            // Envoy refuses such an assignment; here it is translated already, so the limit is what is refused.
            LOG.warning("cluster " + cluster + ": " + RUNTIME_KEY + " runtime key config "
                    + limit + " is invalid. The valid range is 0~100");
            return configured;
        }
        return Math.min(configured, limit / (double) MAX);
    }
}

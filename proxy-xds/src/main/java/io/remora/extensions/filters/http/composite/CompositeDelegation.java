package io.remora.extensions.filters.http.composite;

import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;

import java.util.concurrent.ThreadLocalRandom;

/** An {@link ExecuteFilter} built for one connection manager: the factory of the filter to run. */
record CompositeDelegation(HttpFilterFactory factory, double sampleRatio, String runtimeKey, ServerContext context) {

    /** Envoy's composite reads an integer percent from the runtime; 101 stands for "not set". */
    private static final long NOT_SET = 101;

    /**
     * Whether this stream takes the action (Envoy's isSampled): the runtime key's percent when set
     * to 0..100, else the configured ratio.
     */
    boolean sampled() {
        double ratio = sampleRatio;
        if (!runtimeKey.isEmpty()) {
            long percent = context.runtime().getInteger(runtimeKey, NOT_SET);
            if (percent < NOT_SET) {
                ratio = percent / 100.0;
            }
        }
        return ratio >= 1 || ThreadLocalRandom.current().nextDouble() < ratio;
    }
}

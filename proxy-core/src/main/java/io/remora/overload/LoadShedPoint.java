package io.remora.overload;

import io.micrometer.core.instrument.Counter;

/**
 * One of Envoy's load shed points: a place in a connection's or a request's life where the data
 * plane asks whether to shed it. Its strength follows its triggers as an action's does; a check
 * sheds with that strength as probability and counts {@code overload.<name>.shed_load_count}.
 */
public final class LoadShedPoint {

    /** A point nobody configured: never sheds, counts nothing. */
    public static final LoadShedPoint NEVER = new LoadShedPoint(ActionState.INACTIVE, null);

    final ActionState state;
    private final Counter shed;

    LoadShedPoint(ActionState state, Counter shed) {
        this.state = state;
        this.shed = shed;
    }

    /** Envoy's shouldShedLoad: never when inactive, always when saturated, else by the strength. */
    public boolean shouldShedLoad() {
        double p = state.value();
        if (p <= 0 || (p < 1 && java.util.concurrent.ThreadLocalRandom.current().nextDouble() >= p)) {
            return false;
        }
        shed.increment();
        return true;
    }
}

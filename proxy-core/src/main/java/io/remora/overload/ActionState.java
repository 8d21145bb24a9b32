package io.remora.overload;

/**
 * The current strength of one overload action, in [0, 1]: 0 inactive, between 0 and 1 scaling,
 * 1 saturated. Written by the overload manager's refresh thread, read lock-free on the hot path.
 */
public final class ActionState {

    /** An action nobody configured: never active. */
    static final ActionState INACTIVE = new ActionState("inactive");

    final String name;
    private volatile double value;

    ActionState(String name) {
        this.name = name;
    }

    public double value() {
        return value;
    }

    public boolean isActive() {
        return value > 0;
    }

    public boolean isSaturated() {
        return value >= 1;
    }

    void set(double v) {
        value = v;
    }
}

package io.remora.upstream.health;

/**
 * One kind of check against one host (HTTP, TCP, gRPC). Runs on the upstream loop; a probe may
 * keep its connection between checks. The session bounds each check with the timeout.
 */
interface Probe {

    /** Envoy's {@code HealthCheckFailureType}. */
    enum FailureType { ACTIVE, PASSIVE, NETWORK, NETWORK_TIMEOUT }

    /** Where a check reports; exactly one call per check (later calls are ignored). */
    interface Outcome {
        void success(boolean degraded);

        /** @param retriable an ACTIVE failure that counts towards unhealthy_threshold instead of failing at once */
        void failure(FailureType type, boolean retriable);

        /** The failing answer asked to be taken out at once ({@code x-envoy-immediate-health-check-fail}); before {@link #failure}. */
        default void excludeViaImmediateFail() {
        }
    }

    void check(Outcome outcome);

    /** Closes a kept connection (timeout, host removed, checker stopped). */
    void close();
}

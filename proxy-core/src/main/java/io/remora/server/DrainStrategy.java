package io.remora.server;

/**
 * Envoy's {@code --drain-strategy}: how a drain tells connections to close. With GRADUAL (Envoy's default)
 * the share of responses that carry {@code connection: close} or a GOAWAY grows from none to all over the
 * drain time; with IMMEDIATE (what Istio passes) every response does from the drain's start.
 */
public enum DrainStrategy {
    GRADUAL,
    IMMEDIATE
}

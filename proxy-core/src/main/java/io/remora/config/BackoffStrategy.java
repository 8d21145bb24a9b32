package io.remora.config;

import java.time.Duration;

/** Envoy's {@code config.core.v3.BackoffStrategy}: a jittered exponential back-off from base up to max. */
public record BackoffStrategy(Duration base, Duration max) {
}

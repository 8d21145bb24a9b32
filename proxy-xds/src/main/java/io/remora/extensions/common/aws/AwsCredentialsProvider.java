package io.remora.extensions.common.aws;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Where a signer finds its credentials, asked on every request (Envoy's {@code CredentialsProvider}
 * behind a chain). Fixed credentials answer with the same object each time; the network providers
 * answer with what their last fetch brought, so a refresh applies to the next request.
 */
public interface AwsCredentialsProvider {

    /** The credentials to sign with now; null or incomplete: the request goes unsigned (anonymous). */
    AwsCredentials credentials();

    /** Whether a fetch is under way that requests should wait for (Envoy's credentialsPending). */
    default boolean pending() {
        return false;
    }

    /**
     * Queues {@code ready} to run (on a fetch's thread) once nothing is pending any more, unless
     * nothing is pending now: then returns false and never runs it (Envoy's
     * addCallbackIfCredentialsPending).
     */
    default boolean whenReady(Runnable ready) {
        return false;
    }

    /**
     * Starts the first fetch, if this provider fetches (idempotent): called as the config is applied.
     *
     * @param stats where a fetching provider's counters go (bound by the first call)
     */
    default void start(MeterRegistry stats) {
    }

    /** Always the same credentials (inline, environment, a credentials data source); null for none. */
    static AwsCredentialsProvider fixed(AwsCredentials credentials) {
        AwsCredentials c = credentials != null && credentials.complete() ? credentials : null;
        return () -> c;
    }
}

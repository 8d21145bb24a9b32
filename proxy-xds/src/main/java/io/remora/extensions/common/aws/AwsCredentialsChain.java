package io.remora.extensions.common.aws;

import io.micrometer.core.instrument.MeterRegistry;

import java.util.ArrayList;
import java.util.List;

/**
 * Envoy's {@code CredentialsProviderChain} over providers that fetch: the credentials of the first
 * provider that has complete ones. A request waits while a provider is pending that comes before
 * the first one holding credentials (Envoy's chainProvidersPending), and goes on when none is.
 */
final class AwsCredentialsChain implements AwsCredentialsProvider {

    private final List<AwsCredentialsProvider> providers;
    /** Guarded by {@code this}. */
    private final List<Runnable> waiters = new ArrayList<>();

    AwsCredentialsChain(List<AwsCredentialsProvider> providers) {
        this.providers = List.copyOf(providers);
    }

    List<AwsCredentialsProvider> providers() {
        return providers;
    }

    @Override
    public AwsCredentials credentials() {
        for (int i = 0; i < providers.size(); i++) {
            AwsCredentials c = providers.get(i).credentials();
            if (c != null && c.complete()) {
                return c;
            }
        }
        return null;
    }

    @Override
    public boolean pending() {
        for (int i = 0; i < providers.size(); i++) {
            AwsCredentialsProvider p = providers.get(i);
            if (p.pending()) {
                return true;
            }
            AwsCredentials c = p.credentials();
            if (c != null && c.complete()) {
                return false;
            }
        }
        return false;
    }

    @Override
    public boolean whenReady(Runnable ready) {
        synchronized (this) {
            if (!pending()) {
                return false;
            }
            waiters.add(ready);
            if (waiters.size() > 1) {
                return true; // already listening
            }
        }
        listen();
        return true;
    }

    @Override
    public void start(MeterRegistry stats) {
        for (int i = 0; i < providers.size(); i++) {
            providers.get(i).start(stats);
        }
    }

    private void listen() {
        boolean any = false;
        for (AwsCredentialsProvider p : providers) {
            // Only the pending ones publish again soon; one that is no longer runs onUpdate at once.
            if (p instanceof MetadataCredentialsProvider m && m.pending()) {
                m.onceUpdated(this::onUpdate);
                any = true;
            }
        }
        if (!any) {
            onUpdate(); // all published since pending() was asked
        }
    }

    /** A member published: release the waiters unless some provider still keeps them. */
    private void onUpdate() {
        List<Runnable> run;
        synchronized (this) {
            if (waiters.isEmpty()) {
                return;
            }
            if (pending()) {
                run = null;
            } else {
                run = List.copyOf(waiters);
                waiters.clear();
            }
        }
        if (run == null) {
            listen();
        } else {
            run.forEach(Runnable::run);
        }
    }
}

package io.remora.xds.ads;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One subscription's stats as Envoy's SubscriptionStats names them under its scope ({@code prefix} is the
 * Prometheus name of the scope, e.g. {@code envoy_runtime_}): the counters {@code update_attempt},
 * {@code update_success}, {@code update_rejected}, {@code update_failure}, {@code init_fetch_timeout}, and the gauges
 * {@code version} (xxHash64 of the version_info last accepted) and {@code update_time} (when, in ms since the epoch),
 * the histogram {@code update_duration} (ms each accepted gRPC update took to apply) and the text readout {@code version_text} (the version_info itself), all made together as Envoy makes them with the subscription. Control thread only.
 */
final class SubscriptionStats {
    private final Counter attempt;
    private final Counter success;
    private final Counter rejected;
    private final Counter failure;
    private final Counter initFetchTimeout;
    private final AtomicLong version = new AtomicLong();
    private final AtomicLong updateTime = new AtomicLong();
    private final io.remora.stats.TextReadout versionText;
    private final DistributionSummary updateDuration;

    SubscriptionStats(MeterRegistry registry, String prefix) {
        this(registry, prefix, Tags.empty());
    }

    /** @param tags what Envoy's tag extraction takes out of the scope (ECDS's filter kind and name) */
    SubscriptionStats(MeterRegistry registry, String prefix, Tags tags) {
        attempt = registry.counter(prefix + "update_attempt", tags);
        success = registry.counter(prefix + "update_success", tags);
        rejected = registry.counter(prefix + "update_rejected", tags);
        failure = registry.counter(prefix + "update_failure", tags);
        initFetchTimeout = registry.counter(prefix + "init_fetch_timeout", tags);
        // a uint64 Envoy prints whole; a meter's value is a double, exact to 53 bits, and still changes with it
        Gauge.builder(prefix + "version", version, v -> Double.parseDouble(Long.toUnsignedString(v.get())))
                .tags(tags).register(registry);
        Gauge.builder(prefix + "update_time", updateTime, AtomicLong::get).tags(tags).register(registry);
        versionText = io.remora.stats.TextReadout.register(registry, prefix + "version_text", tags);
        updateDuration = DistributionSummary.builder(prefix + "update_duration").tags(tags)
                .serviceLevelObjectives(io.remora.stats.EnvoyBuckets.MILLIS).register(registry);
    }

    void attempt() {
        attempt.increment();
    }

    /**
     * GrpcSubscriptionImpl::onConfigUpdate: the version accepted and when, and how long taking it took
     * ({@code durationMs}; negative for a file's, which FilesystemSubscriptionImpl does not time).
     */
    void success(String versionInfo, long durationMs) {
        if (durationMs >= 0) {
            updateDuration.record(durationMs);
        }
        success.increment();
        version.set(io.remora.upstream.lb.XxHash64.hash(versionInfo));
        updateTime.set(System.currentTimeMillis());
        versionText.set(versionInfo);
    }

    void rejected() {
        rejected.increment();
    }

    void failure() {
        failure.increment();
    }

    void initFetchTimeout() {
        initFetchTimeout.increment();
    }

    double successCount() {
        return success.count();
    }

    double rejectedCount() {
        return rejected.count();
    }
}

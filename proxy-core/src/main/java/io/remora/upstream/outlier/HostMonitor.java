package io.remora.upstream.outlier;

import io.remora.upstream.Host;
import io.remora.upstream.OutlierMonitor;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Envoy's {@code DetectorHostMonitorImpl}: one host's consecutive-error counters and success
 * rate buckets. Workers report into atomics; when a counter reaches its threshold the decision
 * moves to the detector's thread, as Envoy posts it to the main thread.
 */
final class HostMonitor implements OutlierMonitor {
    final Host host;
    private final OutlierDetector detector;
    private final AtomicInteger consecutive5xx = new AtomicInteger();
    private final AtomicInteger consecutiveGatewayFailure = new AtomicInteger();
    private final AtomicInteger consecutiveLocalOriginFailure = new AtomicInteger();
    final SuccessRateAccumulator external = new SuccessRateAccumulator();
    final SuccessRateAccumulator localOrigin = new SuccessRateAccumulator();

    // Detector thread only (volatile for /clusters readers).
    volatile int numEjections;
    long lastEjectionNanos = -1;
    long lastUnejectionNanos = -1;
    int ejectTimeBackoff;
    long jitterMillis;
    volatile double successRate = -1;
    volatile double localOriginSuccessRate = -1;

    HostMonitor(Host host, OutlierDetector detector) {
        this.host = host;
        this.detector = detector;
    }

    OutlierDetector owner() {
        return detector;
    }

    @Override
    public void reportResult(int status) {
        putHttpResponseCode(status);
    }

    private void putHttpResponseCode(int status) {
        OutlierSettings c = detector.settings();
        if (status >= 500 && status < 600) {
            external.request(false);
            if (status == 502 || status == 503 || status == 504) {
                if (consecutiveGatewayFailure.incrementAndGet() == c.consecutiveGatewayFailure()) {
                    detector.onConsecutiveError(this, EjectionType.CONSECUTIVE_GATEWAY_FAILURE);
                }
            } else {
                consecutiveGatewayFailure.set(0);
            }
            if (consecutive5xx.incrementAndGet() == c.consecutive5xx()) {
                detector.onConsecutiveError(this, EjectionType.CONSECUTIVE_5XX);
            }
        } else {
            external.request(true);
            consecutive5xx.set(0);
            consecutiveGatewayFailure.set(0);
        }
    }

    @Override
    public void reportLocalOrigin(LocalOriginEvent event) {
        if (!detector.settings().config().splitExternalLocalOriginErrors()) {
            // Without the split, local events count as the HTTP codes Envoy maps them to.
            switch (event) {
                case CONNECT_FAILED -> putHttpResponseCode(503);
                case TIMEOUT -> putHttpResponseCode(504);
                case CONNECT_SUCCESS_FINAL -> putHttpResponseCode(200);
                case CONNECT_SUCCESS -> {
                    // The HTTP response that follows is the result.
                }
            }
            return;
        }
        switch (event) {
            case CONNECT_FAILED, TIMEOUT -> {
                localOrigin.request(false);
                if (consecutiveLocalOriginFailure.incrementAndGet() == detector.settings().consecutiveLocalOriginFailure()) {
                    detector.onConsecutiveError(this, EjectionType.CONSECUTIVE_LOCAL_ORIGIN_FAILURE);
                }
            }
            case CONNECT_SUCCESS, CONNECT_SUCCESS_FINAL -> {
                localOrigin.request(true);
                consecutiveLocalOriginFailure.set(0);
            }
        }
    }

    void resetCounter(EjectionType t) {
        switch (t) {
            case CONSECUTIVE_5XX -> consecutive5xx.set(0);
            case CONSECUTIVE_GATEWAY_FAILURE -> consecutiveGatewayFailure.set(0);
            case CONSECUTIVE_LOCAL_ORIGIN_FAILURE -> consecutiveLocalOriginFailure.set(0);
            default -> {
            }
        }
    }

    void resetConsecutive() {
        consecutive5xx.set(0);
        consecutiveGatewayFailure.set(0);
        consecutiveLocalOriginFailure.set(0);
    }

    SuccessRateAccumulator accumulator(boolean local) {
        return local ? localOrigin : external;
    }

    @Override
    public double successRate() {
        return successRate;
    }

    @Override
    public double localOriginSuccessRate() {
        return localOriginSuccessRate;
    }
}

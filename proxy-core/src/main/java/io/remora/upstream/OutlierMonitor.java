package io.remora.upstream;

/**
 * What the data plane tells outlier detection about one host (Envoy's
 * {@code Outlier::DetectorHostMonitor}). Called from any worker; never blocks.
 */
public interface OutlierMonitor {

    /** For hosts of clusters without outlier detection. */
    OutlierMonitor NONE = new OutlierMonitor() {
        @Override
        public void reportResult(int httpStatus) {
        }

        @Override
        public void reportLocalOrigin(LocalOriginEvent event) {
        }
    };

    /** An HTTP response status from the host (external origin). */
    void reportResult(int httpStatus);

    /** Something the proxy itself saw: connect success or failure, a timeout, a reset. */
    void reportLocalOrigin(LocalOriginEvent event);

    /** Success rate of the last interval, percent, or -1 when unknown (for /clusters). */
    default double successRate() {
        return -1;
    }

    /** Local-origin success rate of the last interval, or -1. */
    default double localOriginSuccessRate() {
        return -1;
    }

    /** Envoy's {@code Outlier::Result} values that do not carry an HTTP status. */
    enum LocalOriginEvent {
        /** A connection is up; more (HTTP) results follow. */
        CONNECT_SUCCESS,
        /** A connection is up and that is all the host will be judged on (tcp_proxy). */
        CONNECT_SUCCESS_FINAL,
        /** Connect failed, or the connection was reset before a response. */
        CONNECT_FAILED,
        /** No answer in time. */
        TIMEOUT
    }
}

package io.remora.extensions.filters.network.thrift_proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.ClusterStats;

/** The thrift router's stats in a cluster's scope: {@code cluster.<name>.thrift.upstream_*}. */
final class ThriftClusterStats {

    /** Why a request was answered locally, as Envoy's pool failure reasons name it. */
    enum Failure {
        OVERFLOW("overflow"), LOCAL_CONNECTION_FAILURE("local_connection_failure"),
        REMOTE_CONNECTION_FAILURE("remote_connection_failure"), TIMEOUT("timeout");

        final String statName;

        Failure(String statName) {
            this.statName = statName;
        }
    }

    final Counter rqCall;
    final Counter rqOneway;
    final Counter rqInvalidType;
    final Counter respReply;
    final Counter respSuccess;
    final Counter respError;
    final Counter respException;
    final Counter respExceptionLocal;
    final Counter respExceptionRemote;
    final Counter respInvalidType;
    final Counter respDecodingError;
    final Counter underflowResponseClose;
    private final Counter[] localByReason = new Counter[Failure.values().length];

    ThriftClusterStats(MeterRegistry registry, String cluster) {
        rqCall = counter(registry, cluster, "upstream_rq_call");
        rqOneway = counter(registry, cluster, "upstream_rq_oneway");
        rqInvalidType = counter(registry, cluster, "upstream_rq_invalid_type");
        respReply = counter(registry, cluster, "upstream_resp_reply");
        respSuccess = counter(registry, cluster, "upstream_resp_success");
        respError = counter(registry, cluster, "upstream_resp_error");
        respException = counter(registry, cluster, "upstream_resp_exception");
        respExceptionLocal = counter(registry, cluster, "upstream_resp_exception_local");
        respExceptionRemote = counter(registry, cluster, "upstream_resp_exception_remote");
        respInvalidType = counter(registry, cluster, "upstream_resp_invalid_type");
        respDecodingError = counter(registry, cluster, "upstream_resp_decoding_error");
        underflowResponseClose = counter(registry, cluster, "downstream_cx_underflow_response_close");
        for (Failure f : Failure.values()) {
            localByReason[f.ordinal()] = counter(registry, cluster, "upstream_resp_exception_local_" + f.statName);
        }
    }

    /** A local exception reply without a pool failure (no healthy upstream, maintenance mode). */
    void localException() {
        respException.increment();
        respExceptionLocal.increment();
    }

    void localException(Failure reason) {
        localException();
        localByReason[reason.ordinal()].increment();
    }

    private static Counter counter(MeterRegistry registry, String cluster, String stat) {
        return Counter.builder("envoy_cluster_thrift_" + stat).tag(ClusterStats.TAG, cluster).register(registry);
    }
}

package io.remora.extensions.filters.network.thrift_proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.StatNames;

import java.util.concurrent.atomic.AtomicLong;

/** Envoy's {@code thrift.<stat_prefix>.*}: the connection manager's and the router's named stats. */
final class ThriftStats {

    final Counter request;
    final Counter requestCall;
    final Counter requestOneway;
    final Counter requestInvalidType;
    final Counter requestDecodingError;
    final Counter requestPassthrough;
    final Counter responsePassthrough;
    final AtomicLong requestActive = new AtomicLong();
    final Counter response;
    final Counter responseReply;
    final Counter responseSuccess;
    final Counter responseError;
    final Counter responseException;
    final Counter responseInvalidType;
    final Counter responseDecodingError;
    final Counter cxDestroyLocalWithActiveRq;
    final Counter cxDestroyRemoteWithActiveRq;
    final Counter downstreamCxMaxRequests;
    final Counter routeMissing;
    final Counter unknownCluster;
    final Counter upstreamRqMaintenanceMode;
    final Counter noHealthyUpstream;
    final Counter shadowRequestSubmitFailure;

    ThriftStats(MeterRegistry registry, String prefix) {
        request = counter(registry, prefix, "request");
        requestCall = counter(registry, prefix, "request_call");
        requestOneway = counter(registry, prefix, "request_oneway");
        requestInvalidType = counter(registry, prefix, "request_invalid_type");
        requestDecodingError = counter(registry, prefix, "request_decoding_error");
        requestPassthrough = counter(registry, prefix, "request_passthrough");
        responsePassthrough = counter(registry, prefix, "response_passthrough");
        Gauge.builder("envoy_thrift_request_active", requestActive, AtomicLong::get)
                .tag(StatNames.THRIFT_PREFIX_TAG, prefix).register(registry);
        response = counter(registry, prefix, "response");
        responseReply = counter(registry, prefix, "response_reply");
        responseSuccess = counter(registry, prefix, "response_success");
        responseError = counter(registry, prefix, "response_error");
        responseException = counter(registry, prefix, "response_exception");
        responseInvalidType = counter(registry, prefix, "response_invalid_type");
        responseDecodingError = counter(registry, prefix, "response_decoding_error");
        cxDestroyLocalWithActiveRq = counter(registry, prefix, "cx_destroy_local_with_active_rq");
        cxDestroyRemoteWithActiveRq = counter(registry, prefix, "cx_destroy_remote_with_active_rq");
        downstreamCxMaxRequests = counter(registry, prefix, "downstream_cx_max_requests");
        routeMissing = counter(registry, prefix, "route_missing");
        unknownCluster = counter(registry, prefix, "unknown_cluster");
        upstreamRqMaintenanceMode = counter(registry, prefix, "upstream_rq_maintenance_mode");
        noHealthyUpstream = counter(registry, prefix, "no_healthy_upstream");
        shadowRequestSubmitFailure = counter(registry, prefix, "shadow_request_submit_failure");
    }

    private static Counter counter(MeterRegistry registry, String prefix, String stat) {
        return Counter.builder("envoy_thrift_" + stat).tag(StatNames.THRIFT_PREFIX_TAG, prefix).register(registry);
    }
}

package io.remora.xds.accesslog;

import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.remora.extensions.filters.http.ext_authz.GrpcServiceConfig;

import java.util.Map;

/** What every gRPC access logger's calls carry, and how they are counted. */
final class GrpcLogCalls {

    private GrpcLogCalls() {
    }

    /** {@code grpc_service.initial_metadata} as headers on each call. */
    static ClientInterceptor metadata(GrpcServiceConfig service) {
        Metadata md = new Metadata();
        for (Map.Entry<String, String> e : service.initialMetadata()) {
            md.put(Metadata.Key.of(e.getKey(), Metadata.ASCII_STRING_MARSHALLER), e.getValue());
        }
        return MetadataUtils.newAttachHeadersInterceptor(md);
    }

    /**
     * The stub with the service's envoy_grpc.max_receive_message_length: a larger answer fails the call
     * RESOURCE_EXHAUSTED, as Envoy's. Unset, grpc-java's own 4 MiB default stays.
     */
    static <S extends io.grpc.stub.AbstractStub<S>> S receiveLimit(S stub, GrpcServiceConfig service) {
        return service.maxReceiveMessageLength() > 0 ? stub.withMaxInboundMessageSize(service.maxReceiveMessageLength())
                : stub;
    }

    /** A logger's counter, e.g. {@code access_logs.grpc_access_log.<statPrefix>logs_written}. */
    static io.micrometer.core.instrument.Counter counter(io.micrometer.core.instrument.MeterRegistry registry,
                                                         String metricPrefix, String stat, String statPrefix) {
        return io.micrometer.core.instrument.Counter.builder(metricPrefix + stat)
                .tag(io.remora.stats.StatNames.ACCESS_LOG_PREFIX_TAG, statPrefix).register(registry);
    }
}

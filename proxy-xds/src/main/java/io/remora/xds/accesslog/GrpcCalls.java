package io.remora.xds.accesslog;

import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.remora.extensions.filters.http.ext_authz.GrpcServiceConfig;

import java.util.Map;

/** What every call of a gRPC access logger carries. */
final class GrpcCalls {

    private GrpcCalls() {
    }

    /** {@code grpc_service.initial_metadata} as headers on each call. */
    static ClientInterceptor metadata(GrpcServiceConfig service) {
        Metadata md = new Metadata();
        for (Map.Entry<String, String> e : service.initialMetadata()) {
            md.put(Metadata.Key.of(e.getKey(), Metadata.ASCII_STRING_MARSHALLER), e.getValue());
        }
        return MetadataUtils.newAttachHeadersInterceptor(md);
    }
}

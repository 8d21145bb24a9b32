package io.remora.extensions.filters.http.grpc_web;

import io.remora.config.HttpFilterConfig;

/** {@code envoy.filters.http.grpc_web} ({@code extensions.filters.http.grpc_web.v3.GrpcWeb}, which has no fields). */
public record GrpcWebConfig() implements HttpFilterConfig {

    public static final String NAME = "envoy.filters.http.grpc_web";

    @Override
    public String filterName() {
        return NAME;
    }
}

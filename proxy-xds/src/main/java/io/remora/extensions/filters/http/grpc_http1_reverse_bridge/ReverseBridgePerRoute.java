package io.remora.extensions.filters.http.grpc_http1_reverse_bridge;

import io.remora.config.RouteFilterConfig;

/** {@code grpc_http1_reverse_bridge.v3.FilterConfigPerRoute}: {@code disabled} turns the filter off. */
public record ReverseBridgePerRoute(boolean disabled) implements RouteFilterConfig {
}

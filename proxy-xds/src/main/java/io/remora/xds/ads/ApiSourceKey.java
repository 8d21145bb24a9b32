package io.remora.xds.ads;

import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;

/** One separate discovery stream: an api_config_source (GRPC or DELTA_GRPC) and the type it carries. */
public record ApiSourceKey(ApiConfigSource api, XdsResourceType type) {
}

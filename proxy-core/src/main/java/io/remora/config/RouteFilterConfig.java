package io.remora.config;

/**
 * A filter's per-route config ({@code typed_per_filter_config} on a route configuration, virtual
 * host, route or weighted cluster); each extension brings its own record.
 */
public interface RouteFilterConfig {
}

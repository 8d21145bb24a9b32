package io.remora.config;

import java.util.List;

/**
 * {@code config.route.v3.VirtualCluster}: a named slice of a virtual host's requests, counted
 * in stats of its own ({@code vhost.<vh>.vcluster.<name>.*}). A request belongs to the first
 * virtual cluster of its virtual host whose header matchers all match; {@code :method} and
 * {@code :path} are matched as headers.
 */
public record VirtualCluster(String name, List<HeaderMatcher> headers) {

    public VirtualCluster {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("virtual cluster name must not be empty");
        }
        // Envoy refuses a virtual cluster without matchers rather than let it take every request.
        if (headers == null || headers.isEmpty()) {
            throw new IllegalArgumentException("virtual cluster '" + name + "' must define headers");
        }
        headers = List.copyOf(headers);
    }
}

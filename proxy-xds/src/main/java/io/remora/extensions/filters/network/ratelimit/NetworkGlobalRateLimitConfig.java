package io.remora.extensions.filters.network.ratelimit;

import io.remora.config.NetworkFilterConfig;
import io.remora.extensions.filters.http.common.DescriptorEntry;
import io.remora.extensions.filters.http.ratelimit.RlsConfig;

import java.util.List;

/**
 * {@code envoy.extensions.filters.network.ratelimit.v3.RateLimit}: each new connection is checked
 * with the rate limit service against these descriptors.
 *
 * @param descriptors     entry values are substitution formats, formatted per connection
 * @param failureModeDeny a failed call closes the connection instead of letting it through
 */
public record NetworkGlobalRateLimitConfig(String statPrefix, String domain, List<List<DescriptorEntry>> descriptors,
                                           RlsConfig service, boolean failureModeDeny) implements NetworkFilterConfig {

    public static final String NAME = "envoy.filters.network.ratelimit";

    public NetworkGlobalRateLimitConfig {
        descriptors = descriptors.stream().map(List::copyOf).toList();
    }

    @Override
    public String filterName() {
        return NAME;
    }
}

package io.remora.extensions.filters.http.common;

/**
 * One entry of a rate limit descriptor ({@code common.ratelimit.v3.RateLimitDescriptor.Entry}), as
 * made from a request by {@link DescriptorEvaluator} or configured on a local rate limit (where an
 * empty value matches any value).
 */
public record DescriptorEntry(String key, String value) {
}

package io.remora.extensions.filters.http.ratelimit;

import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.DescriptorStatus;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.RateLimit.Unit;

import java.util.List;
import java.util.Map;

/**
 * The {@code x-ratelimit-*} headers of draft-polli-ratelimit-headers-03, from the service's
 * descriptor statuses as Envoy makes them: the status with the least {@code limit_remaining} (of
 * those naming a current_limit) gives the limit, remaining and reset; the limit header then lists
 * every status's quota policy ({@code , 10;w=1;name="per-ip"}).
 */
final class XRateLimitHeaders {

    static final String LIMIT = "x-ratelimit-limit";
    static final String REMAINING = "x-ratelimit-remaining";
    static final String RESET = "x-ratelimit-reset";

    private XRateLimitHeaders() {
    }

    static void add(List<DescriptorStatus> statuses, List<Map.Entry<String, String>> out) {
        DescriptorStatus min = null;
        StringBuilder policies = new StringBuilder();
        for (DescriptorStatus s : statuses) {
            if (!s.hasCurrentLimit()) {
                continue;
            }
            if (min == null || Integer.compareUnsigned(s.getLimitRemaining(), min.getLimitRemaining()) < 0) {
                min = s;
            }
            long window = windowSeconds(s.getCurrentLimit().getUnit());
            if (window > 0) {
                policies.append(", ").append(Integer.toUnsignedString(s.getCurrentLimit().getRequestsPerUnit()))
                        .append(";w=").append(window);
                if (!s.getCurrentLimit().getName().isEmpty()) {
                    policies.append(";name=\"").append(s.getCurrentLimit().getName()).append('"');
                }
            }
        }
        if (min != null) {
            out.add(Map.entry(LIMIT, Integer.toUnsignedString(min.getCurrentLimit().getRequestsPerUnit()) + policies));
            out.add(Map.entry(REMAINING, Integer.toUnsignedString(min.getLimitRemaining())));
            out.add(Map.entry(RESET, Long.toString(min.getDurationUntilReset().getSeconds())));
        }
    }

    private static long windowSeconds(Unit unit) {
        return switch (unit) {
            case SECOND -> 1;
            case MINUTE -> 60;
            case HOUR -> 3600;
            case DAY -> 86400;
            case WEEK -> 604800;
            case MONTH -> 2592000;
            case YEAR -> 31536000;
            default -> 0;
        };
    }
}

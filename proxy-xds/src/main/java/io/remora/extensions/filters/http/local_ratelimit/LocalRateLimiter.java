package io.remora.extensions.filters.http.local_ratelimit;

import io.remora.ratelimit.LocalTokenBucket;
import io.remora.extensions.filters.http.common.DescriptorEntry;
import io.remora.extensions.filters.http.local_ratelimit.LocalRateLimitConfig.DescriptorLimit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The buckets of one local rate limit config (Envoy's LocalRateLimiterImpl), shared by every
 * worker: the default bucket and one per configured descriptor. A request takes a token from each
 * descriptor bucket its descriptors match (slowest-filling first; the first empty one refuses it),
 * then from the default bucket unless a descriptor matched and always_consume_default_token_bucket
 * is off. A descriptor whose configured value is empty matches any value, each distinct value
 * getting its own bucket; at most max_dynamic_descriptors of those are kept (least recently used
 * dropped). Under local_cluster_rate_limit a request takes its share's worth of tokens from each.
 */
final class LocalRateLimiter {

    /** The outcome, and the bucket that decided it (for the x-ratelimit-* headers); bucket may be null. */
    record Result(boolean allowed, LocalTokenBucket bucket) {
    }

    private static final Result ALLOWED_UNLIMITED = new Result(true, null);

    private final LocalTokenBucket defaultBucket;
    private final Map<List<DescriptorEntry>, LocalTokenBucket> exact = new HashMap<>();
    private final List<DescriptorLimit> wildcards = new ArrayList<>();
    private final Map<List<DescriptorEntry>, LocalTokenBucket> dynamic;
    private final boolean alwaysConsumeDefault;
    private final LongSupplier tokensPerRequest;

    LocalRateLimiter(LocalRateLimitConfig config) {
        this(config, LocalClusterShare.NONE);
    }

    LocalRateLimiter(LocalRateLimitConfig config, LongSupplier tokensPerRequest) {
        this.tokensPerRequest = tokensPerRequest;
        this.defaultBucket = config.tokenBucket() == null ? null : new LocalTokenBucket(config.tokenBucket());
        this.alwaysConsumeDefault = config.alwaysConsumeDefaultBucket();
        for (DescriptorLimit d : config.descriptors()) {
            if (d.wildcard()) {
                wildcards.add(d);
            } else {
                exact.put(d.entries(), new LocalTokenBucket(d.tokenBucket()));
            }
        }
        int max = Math.max(1, config.maxDynamicDescriptors());
        this.dynamic = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<List<DescriptorEntry>, LocalTokenBucket> eldest) {
                return size() > max;
            }
        };
    }

    Result requestAllowed(List<List<DescriptorEntry>> requestDescriptors) {
        LocalTokenBucket[] matched = null;
        int n = 0;
        for (List<DescriptorEntry> d : requestDescriptors) {
            LocalTokenBucket b = find(d);
            if (b != null) {
                if (matched == null) {
                    matched = new LocalTokenBucket[requestDescriptors.size()];
                }
                matched[n++] = b;
            }
        }
        if (n > 1) {
            java.util.Arrays.sort(matched, 0, n, java.util.Comparator.comparingDouble(LocalTokenBucket::fillRate));
        }
        long tokens = tokensPerRequest.getAsLong();
        for (int i = 0; i < n; i++) {
            if (!matched[i].consumeTokens(tokens)) {
                return new Result(false, matched[i]);
            }
        }
        if (n == 0 || alwaysConsumeDefault) {
            if (defaultBucket != null && !defaultBucket.consumeTokens(tokens)) {
                return new Result(false, defaultBucket);
            }
            if (n == 0) {
                return defaultBucket == null ? ALLOWED_UNLIMITED : new Result(true, defaultBucket);
            }
        }
        return new Result(true, matched[0]);
    }

    private LocalTokenBucket find(List<DescriptorEntry> d) {
        LocalTokenBucket b = exact.get(d);
        if (b != null || wildcards.isEmpty()) {
            return b;
        }
        for (DescriptorLimit w : wildcards) {
            if (matches(w.entries(), d)) {
                synchronized (dynamic) {
                    return dynamic.computeIfAbsent(List.copyOf(d), k -> new LocalTokenBucket(w.tokenBucket()));
                }
            }
        }
        return null;
    }

    private static boolean matches(List<DescriptorEntry> configured, List<DescriptorEntry> request) {
        if (configured.size() != request.size()) {
            return false;
        }
        for (int i = 0; i < configured.size(); i++) {
            DescriptorEntry c = configured.get(i);
            DescriptorEntry r = request.get(i);
            if (!c.key().equals(r.key()) || !c.value().isEmpty() && !c.value().equals(r.value())) {
                return false;
            }
        }
        return true;
    }
}

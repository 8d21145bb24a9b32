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
 * dropped). A descriptor whose policy has a hits_addend takes that many tokens from its bucket;
 * under local_cluster_rate_limit every take is multiplied by the local cluster's member count.
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
        return requestAllowed(requestDescriptors, null);
    }

    /**
     * @param hitsAddends null, or per request descriptor its policy's {@code hits_addend}: the tokens
     *                    it takes from its bucket (0: unset, one); the default bucket always takes one
     */
    Result requestAllowed(List<List<DescriptorEntry>> requestDescriptors, long[] hitsAddends) {
        LocalTokenBucket[] matched = null;
        long[] hits = null;
        int n = 0;
        for (int i = 0; i < requestDescriptors.size(); i++) {
            LocalTokenBucket b = find(requestDescriptors.get(i));
            if (b != null) {
                if (matched == null) {
                    matched = new LocalTokenBucket[requestDescriptors.size()];
                    hits = new long[requestDescriptors.size()];
                }
                hits[n] = hitsAddends == null || hitsAddends[i] <= 0 ? 1 : hitsAddends[i];
                matched[n++] = b;
            }
        }
        if (n > 1) {
            sortByFillRate(matched, hits, n);
        }
        long share = tokensPerRequest.getAsLong();
        for (int i = 0; i < n; i++) {
            if (!matched[i].consumeTokens(hits[i] * share)) {
                return new Result(false, matched[i]);
            }
        }
        if (n == 0 || alwaysConsumeDefault) {
            if (defaultBucket != null && !defaultBucket.consumeTokens(share)) {
                return new Result(false, defaultBucket);
            }
            if (n == 0) {
                return defaultBucket == null ? ALLOWED_UNLIMITED : new Result(true, defaultBucket);
            }
        }
        return new Result(true, matched[0]);
    }

    /** Slowest-filling first, each bucket keeping its hits (a few entries: insertion sort). */
    private static void sortByFillRate(LocalTokenBucket[] buckets, long[] hits, int n) {
        for (int i = 1; i < n; i++) {
            LocalTokenBucket b = buckets[i];
            long h = hits[i];
            int j = i - 1;
            while (j >= 0 && buckets[j].fillRate() > b.fillRate()) {
                buckets[j + 1] = buckets[j];
                hits[j + 1] = hits[j];
                j--;
            }
            buckets[j + 1] = b;
            hits[j + 1] = h;
        }
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

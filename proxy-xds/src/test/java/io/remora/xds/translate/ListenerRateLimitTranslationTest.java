package io.remora.xds.translate;

import io.remora.config.ListenerConfig;
import io.remora.ratelimit.TokenBucketSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** envoy.filters.listener.local_ratelimit: its config, and the required fields refused with their paths. */
class ListenerRateLimitTranslationTest {

    static final String TYPE = "\"@type\": type.googleapis.com/envoy.extensions.filters.listener.local_ratelimit.v3.LocalRateLimit";
    static final String PATH = "static_resources.listeners[0].listener_filters[0].typed_config";

    static ListenerConfig listener(String fields) {
        return ProxyProtocolTranslationTest.load("- name: envoy.filters.listener.local_ratelimit\n  typed_config: { "
                + TYPE + fields + " }\n").model().listeners().get(0);
    }

    static String error(String fields) {
        return assertThrows(TranslationException.class, () -> listener(fields)).getMessage();
    }

    @Test
    void bucketPrefixAndRuntimeFlag() {
        ListenerConfig l = listener(", stat_prefix: edge, token_bucket: { max_tokens: 5, fill_interval: 2s }");
        assertEquals(List.of(ListenerConfig.ListenerFilter.LOCAL_RATELIMIT), l.listenerFilters());
        assertEquals(new ListenerConfig.LocalRateLimit("edge", new TokenBucketSpec(5, 1, 2000), null, true),
                l.localRateLimit());
        assertEquals(new ListenerConfig.LocalRateLimit("edge", new TokenBucketSpec(5, 1, 2000), "rl.on", false),
                listener(", stat_prefix: edge, token_bucket: { max_tokens: 5, fill_interval: 2s },"
                        + " runtime_enabled: { runtime_key: rl.on, default_value: false }").localRateLimit());
    }

    @Test
    void refusalsNameTheField() {
        String prefix = error(", token_bucket: { max_tokens: 5, fill_interval: 2s }");
        assertTrue(prefix.contains(PATH + ".stat_prefix"), prefix);
        String bucket = error(", stat_prefix: edge");
        assertTrue(bucket.contains(PATH + ".token_bucket"), bucket);
        String interval = error(", stat_prefix: edge, token_bucket: { max_tokens: 5 }");
        assertTrue(interval.contains(PATH + ".token_bucket.fill_interval"), interval);
        String flag = error(", stat_prefix: edge, token_bucket: { max_tokens: 5, fill_interval: 2s },"
                + " runtime_enabled: { runtime_key: rl.on }");
        assertTrue(flag.contains(PATH + ".runtime_enabled.default_value"), flag);
    }
}

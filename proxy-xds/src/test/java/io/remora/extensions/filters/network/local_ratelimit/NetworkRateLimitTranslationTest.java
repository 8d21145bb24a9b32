package io.remora.extensions.filters.network.local_ratelimit;

import io.remora.ratelimit.TokenBucketSpec;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The network LocalRateLimit before tcp_proxy: accepted, and refused naming the field. */
class NetworkRateLimitTranslationTest {

    static final String FILTER = "static_resources.listeners[0].filter_chains[0].filters[0]";

    static String bootstrap(String body) {
        return HcmListenerYaml.networkListener(
                HcmListenerYaml.filter("envoy.filters.network.local_ratelimit",
                        "type.googleapis.com/envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit", body)
                + HcmListenerYaml.filter("envoy.filters.network.tcp_proxy",
                        "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
                        "stat_prefix: tcp\ncluster: c1"))
                + HcmListenerYaml.CLUSTER_C1;
    }

    static NetworkRateLimitConfig config(String body) {
        var model = new BootstrapLoader().loadString(bootstrap(body), "test.yaml").model();
        return (NetworkRateLimitConfig) model.listeners().get(0).filterChains().get(0).filters().get(0);
    }

    static TranslationException refused(String body) {
        TranslationException e = assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(bootstrap(body), "test.yaml"));
        System.out.println("refused: " + e.getMessage());
        return e;
    }

    @Test
    void accepted() {
        NetworkRateLimitConfig c = config("""
                stat_prefix: tcp_rl
                token_bucket: { max_tokens: 5, tokens_per_fill: 2, fill_interval: 0.5s }
                runtime_enabled: { runtime_key: rl.on, default_value: false }
                share_key: shared
                """);
        assertEquals("tcp_rl", c.statPrefix());
        assertEquals(new TokenBucketSpec(5, 2, 500), c.tokenBucket());
        assertEquals("rl.on", c.runtimeEnabledKey());
        assertFalse(c.runtimeEnabledDefault());
        assertEquals("shared", c.shareKey());
        NetworkRateLimitConfig d = config("stat_prefix: s\ntoken_bucket: { max_tokens: 1, fill_interval: 1s }");
        assertNull(d.runtimeEnabledKey());
        assertTrue(d.runtimeEnabledDefault(), "enabled unless runtime_enabled says otherwise");
    }

    @Test
    void refusedNamingTheField() {
        assertEquals(FILTER + ".typed_config.token_bucket", refused("stat_prefix: s").path());
        assertEquals(FILTER + ".typed_config.stat_prefix",
                refused("token_bucket: { max_tokens: 1, fill_interval: 1s }").path());
        assertEquals(FILTER + ".typed_config.token_bucket.fill_interval",
                refused("stat_prefix: s\ntoken_bucket: { max_tokens: 1, fill_interval: 0.02s }").path());
        assertEquals(FILTER + ".typed_config.runtime_enabled.default_value",
                refused("stat_prefix: s\ntoken_bucket: { max_tokens: 1, fill_interval: 1s }\nruntime_enabled: { runtime_key: k }")
                        .path());
    }
}

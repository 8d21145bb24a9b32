package io.remora.xds.translate;

import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.listener.local_ratelimit.v3.LocalRateLimit;
import io.remora.config.ListenerConfig;
import io.remora.extensions.filters.common.FilterProtos;
import io.remora.extensions.filters.common.RuntimeFlag;

/** {@code envoy.filters.listener.local_ratelimit}: stat_prefix and token_bucket required, as the proto says. */
final class ListenerRateLimitTranslator {

    private ListenerRateLimitTranslator() {
    }

    static ListenerConfig.LocalRateLimit translate(ListenerFilter f, FieldPath path) {
        FieldPath tp = path.field("typed_config");
        if (!f.hasTypedConfig()) {
            throw tp.error("missing required field (stat_prefix and token_bucket are required)");
        }
        LocalRateLimit c = Protos.unpack(f.getTypedConfig(), LocalRateLimit.class, tp);
        if (c.getStatPrefix().isEmpty()) {
            throw tp.field("stat_prefix").error("missing required field");
        }
        if (!c.hasTokenBucket()) {
            throw tp.field("token_bucket").error("missing required field");
        }
        var bucket = FilterProtos.tokenBucket(c.getTokenBucket(), tp.field("token_bucket"));
        RuntimeFlag on = c.hasRuntimeEnabled() ? RuntimeFlag.of(c.getRuntimeEnabled(), tp.field("runtime_enabled"))
                : RuntimeFlag.constant(true);
        return new ListenerConfig.LocalRateLimit(c.getStatPrefix(), bucket,
                on.runtimeKey().isEmpty() ? null : on.runtimeKey(), on.defaultValue());
    }
}

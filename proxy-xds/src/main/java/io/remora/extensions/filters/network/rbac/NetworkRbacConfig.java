package io.remora.extensions.filters.network.rbac;

import io.remora.config.NetworkFilterConfig;
import io.remora.rbac.RbacRules;

import java.time.Duration;

/**
 * {@code envoy.filters.network.rbac}.
 *
 * @param statPrefix  {@code stat_prefix} (stats are {@code <stat_prefix>.rbac.*})
 * @param continuous  {@code enforcement_type: CONTINUOUS}: check on every read, not only the first
 * @param delayDeny   {@code delay_deny}: how long a denied connection is held (reads off) before it closes; zero closes at once
 */
public record NetworkRbacConfig(RbacRules rules, String statPrefix, String shadowRulesStatPrefix, boolean continuous,
                                Duration delayDeny) implements NetworkFilterConfig {

    public static final String NAME = "envoy.filters.network.rbac";

    public NetworkRbacConfig {
        shadowRulesStatPrefix = shadowRulesStatPrefix == null ? "" : shadowRulesStatPrefix;
        delayDeny = delayDeny == null ? Duration.ZERO : delayDeny;
    }

    @Override
    public String filterName() {
        return NAME;
    }
}

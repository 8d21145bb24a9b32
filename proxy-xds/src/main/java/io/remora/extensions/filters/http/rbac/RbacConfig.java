package io.remora.extensions.filters.http.rbac;

import io.remora.config.HttpFilterConfig;
import io.remora.rbac.RbacRules;

/**
 * {@code envoy.filters.http.rbac}: the rules it enforces and shadows, and its stat prefixes.
 *
 * @param rulesStatPrefix       {@code rules_stat_prefix}
 * @param shadowRulesStatPrefix {@code shadow_rules_stat_prefix}; also prefixes the shadow result
 *                              keys in dynamic metadata
 */
public record RbacConfig(RbacRules rules, String rulesStatPrefix, String shadowRulesStatPrefix)
        implements HttpFilterConfig {

    public static final String NAME = "envoy.filters.http.rbac";

    public RbacConfig {
        rulesStatPrefix = rulesStatPrefix == null ? "" : rulesStatPrefix;
        shadowRulesStatPrefix = shadowRulesStatPrefix == null ? "" : shadowRulesStatPrefix;
    }

    @Override
    public String filterName() {
        return NAME;
    }
}

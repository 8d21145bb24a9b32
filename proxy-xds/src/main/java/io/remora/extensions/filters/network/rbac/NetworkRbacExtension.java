package io.remora.extensions.filters.network.rbac;

import io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC;
import io.remora.extensions.NetworkFilterExtension;
import io.remora.extensions.filters.common.rbac.RbacMatcherTranslator;
import io.remora.extensions.filters.common.rbac.RbacTranslator;
import io.remora.network.ConnectionFilterFactory;
import io.remora.rbac.RbacRules;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.time.Duration;
import java.util.List;

/** {@code envoy.filters.network.rbac} ({@code envoy.extensions.filters.network.rbac.v3.RBAC}). */
public final class NetworkRbacExtension implements NetworkFilterExtension<NetworkRbacConfig> {

    @Override
    public List<String> names() {
        return List.of(NetworkRbacConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.network.rbac.v3.RBAC");
    }

    @Override
    public boolean enforcesAccess() {
        return true;
    }

    @Override
    public NetworkRbacConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field: the RBAC filter needs a typed_config");
        }
        RBAC r = config.unpack(RBAC.class, path);
        if (r.getStatPrefix().isEmpty()) {
            throw path.field("stat_prefix").error("must not be empty");
        }
        boolean continuous = switch (r.getEnforcementType()) {
            case ONE_TIME_ON_FIRST_BYTE -> false;
            case CONTINUOUS -> true;
            case UNRECOGNIZED -> throw path.field("enforcement_type").error("unknown enforcement type "
                    + r.getEnforcementTypeValue());
        };
        Duration delay = Duration.ZERO;
        if (r.hasDelayDeny()) {
            var d = r.getDelayDeny();
            if (d.getSeconds() < 0 || d.getNanos() < 0) {
                throw path.field("delay_deny").error("must not be negative");
            }
            delay = Duration.ofSeconds(d.getSeconds(), d.getNanos());
        }
        RbacRules rules = RbacTranslator.rules(r.hasRules(), r.getRules(), r.hasMatcher() ? r.getMatcher() : null,
                r.hasShadowRules(), r.getShadowRules(), r.hasShadowMatcher() ? r.getShadowMatcher() : null,
                RbacMatcherTranslator.Filter.NETWORK, path, ctx);
        return new NetworkRbacConfig(rules, r.getStatPrefix(), r.getShadowRulesStatPrefix(), continuous, delay);
    }

    @Override
    public ConnectionFilterFactory.Provider<NetworkRbacConfig> runtime() {
        return new NetworkRbacFilterProvider();
    }
}

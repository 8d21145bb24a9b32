package io.remora.xds.translate;

import io.remora.config.HedgePolicy;

/**
 * {@code config.route.v3.HedgePolicy}: only {@code hedge_on_per_try_timeout} takes effect, as in
 * Envoy, which implements neither {@code initial_requests} nor {@code additional_request_chance};
 * a non-default value of those is said once.
 */
final class HedgePolicyTranslator {

    private HedgePolicyTranslator() {
    }

    static HedgePolicy translate(io.envoyproxy.envoy.config.route.v3.HedgePolicy p, FieldPath path,
                                 TranslationContext ctx) {
        if (p.hasInitialRequests()) {
            int n = p.getInitialRequests().getValue();
            if (n < 1) {
                throw path.field("initial_requests").error("must be at least 1");
            }
            if (n > 1) {
                ctx.warnOnce("hedge_policy.initial_requests", "hedge_policy.initial_requests is ignored (as in Envoy,"
                        + " one request is sent first), first at " + path.field("initial_requests"));
            }
        }
        if (p.hasAdditionalRequestChance() && p.getAdditionalRequestChance().getNumerator() > 0) {
            ctx.warnOnce("hedge_policy.additional_request_chance", "hedge_policy.additional_request_chance is"
                    + " ignored (as in Envoy), first at " + path.field("additional_request_chance"));
        }
        return p.getHedgeOnPerTryTimeout() ? HedgePolicy.ON_PER_TRY_TIMEOUT : HedgePolicy.NONE;
    }
}

package io.remora.xds.translate;

import io.envoyproxy.envoy.extensions.load_balancing_policies.client_side_weighted_round_robin.v3.ClientSideWeightedRoundRobin;
import io.remora.config.LoadBalancingConfig.ClientSideWeights;

import java.time.Duration;

/**
 * {@code client_side_weighted_round_robin}: Envoy's defaults (blackout 10 s, expiration 3 min,
 * update every 1 s, no shorter than 100 ms, penalty 1.0). Reports come from the upstream's
 * response headers (or trailers); the out-of-band ORCA stream ({@code enable_oob_load_report}) is
 * not built and is warned about: the per-request reports are read all the same.
 */
final class ClientSideWrrTranslator {
    private static final Duration MIN_UPDATE_PERIOD = Duration.ofMillis(100);

    private ClientSideWrrTranslator() {
    }

    static ClientSideWeights translate(ClientSideWeightedRoundRobin p, FieldPath path, TranslationContext ctx) {
        ClientSideWeights d = ClientSideWeights.DEFAULT;
        Duration blackout = nonNegative(p.hasBlackoutPeriod(), p.getBlackoutPeriod(), d.blackoutPeriod(),
                path.field("blackout_period"));
        Duration expiration = nonNegative(p.hasWeightExpirationPeriod(), p.getWeightExpirationPeriod(),
                d.weightExpirationPeriod(), path.field("weight_expiration_period"));
        Duration update = nonNegative(p.hasWeightUpdatePeriod(), p.getWeightUpdatePeriod(), d.weightUpdatePeriod(),
                path.field("weight_update_period"));
        if (update.compareTo(MIN_UPDATE_PERIOD) < 0) {
            update = MIN_UPDATE_PERIOD; // the API: "values less than 100ms are capped at 100ms"
        }
        double penalty = p.hasErrorUtilizationPenalty() ? p.getErrorUtilizationPenalty().getValue()
                : d.errorUtilizationPenalty();
        if (!(penalty >= 0)) {
            throw path.field("error_utilization_penalty").error("must be at least 0");
        }
        if (p.hasEnableOobLoadReport() && p.getEnableOobLoadReport().getValue()) {
            ctx.warnOnce("client_side_weighted_round_robin.enable_oob_load_report",
                    "client_side_weighted_round_robin enable_oob_load_report is not supported: no out-of-band ORCA"
                            + " stream is opened, weights come from the reports in responses (first at "
                            + path.field("enable_oob_load_report") + ")");
        }
        return new ClientSideWeights(blackout, expiration, update, penalty,
                p.getMetricNamesForComputingUtilizationList());
    }

    private static Duration nonNegative(boolean has, com.google.protobuf.Duration v, Duration dflt, FieldPath path) {
        Duration d = Protos.duration(has, v, dflt);
        if (d.isNegative()) {
            throw path.error("must not be negative");
        }
        return d;
    }
}

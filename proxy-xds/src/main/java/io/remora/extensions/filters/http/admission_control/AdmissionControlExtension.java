package io.remora.extensions.filters.http.admission_control;

import io.envoyproxy.envoy.extensions.filters.http.admission_control.v3.AdmissionControl;
import io.envoyproxy.envoy.type.v3.Int32Range;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.filters.common.RuntimeFlag;
import io.remora.extensions.filters.common.RuntimeNumber;
import io.remora.extensions.filters.http.ratelimit.RateLimitExtension;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code envoy.filters.http.admission_control}: sheds load by rejecting requests with a probability
 * that grows as the recent success rate falls below {@code sr_threshold} (Google SRE's client-side
 * throttling). It denies requests, so it is never skipped when it cannot run.
 */
public final class AdmissionControlExtension implements HttpFilterExtension<AdmissionControlConfig> {

    static final String TYPE = "envoy.extensions.filters.http.admission_control.v3.AdmissionControl";

    @Override
    public List<String> names() {
        return List.of(AdmissionControlConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of(TYPE);
    }

    @Override
    public boolean enforcesAccess() {
        return true;
    }

    @Override
    public AdmissionControlConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("admission_control needs a typed_config (success_criteria is required)");
        }
        AdmissionControl a = config.unpack(AdmissionControl.class, path);
        if (!a.hasSuccessCriteria()) {
            throw path.field("success_criteria").error("missing required field (evaluation criteria not set)");
        }
        AdmissionControlConfig.Builder b = AdmissionControlConfig.builder()
                .criteria(criteria(a.getSuccessCriteria(), path.field("success_criteria")));
        if (a.hasEnabled()) {
            b.enabled(RuntimeFlag.of(a.getEnabled(), path.field("enabled")));
        }
        if (a.hasSamplingWindow()) {
            // Envoy takes whole seconds of the window's milliseconds.
            b.samplingWindowSeconds(RateLimitExtension.duration(a.getSamplingWindow(),
                    path.field("sampling_window")).toMillis() / 1000);
        }
        if (a.hasAggression()) {
            b.aggression(RuntimeNumber.of(a.getAggression(), path.field("aggression")));
        }
        if (a.hasSrThreshold()) {
            FieldPath p = path.field("sr_threshold");
            RuntimeNumber sr = RuntimeNumber.of(a.getSrThreshold(), p);
            if (sr.defaultValue() < 1.0) {
                // As Envoy: a threshold near 0 divides the success count by (almost) zero.
                throw p.field("default_value").error("success rate threshold cannot be less than 1.0%");
            }
            b.srThreshold(sr);
        }
        if (a.hasRpsThreshold()) {
            b.rpsThreshold(RuntimeNumber.of(a.getRpsThreshold(), path.field("rps_threshold")));
        }
        if (a.hasMaxRejectionProbability()) {
            b.maxRejection(RuntimeNumber.of(a.getMaxRejectionProbability(), path.field("max_rejection_probability")));
        }
        return b.build();
    }

    private static SuccessCriteria criteria(AdmissionControl.SuccessCriteria c, FieldPath path) {
        List<int[]> http = SuccessCriteria.DEFAULT_HTTP;
        if (c.hasHttpCriteria()) {
            FieldPath hp = path.field("http_criteria").field("http_success_status");
            List<Int32Range> ranges = c.getHttpCriteria().getHttpSuccessStatusList();
            if (ranges.isEmpty()) {
                throw hp.error("must have at least one range");
            }
            http = new ArrayList<>();
            for (int i = 0; i < ranges.size(); i++) {
                Int32Range r = ranges.get(i);
                if (r.getStart() < 100 || r.getStart() >= 600 || r.getEnd() < 100 || r.getEnd() > 600
                        || r.getStart() > r.getEnd()) {
                    throw hp.index(i).error("invalid HTTP range: [" + r.getStart() + ", " + r.getEnd() + ")");
                }
                http.add(new int[]{r.getStart(), r.getEnd()});
            }
        }
        int grpc = SuccessCriteria.DEFAULT_GRPC;
        if (c.hasGrpcCriteria()) {
            FieldPath gp = path.field("grpc_criteria").field("grpc_success_status");
            List<Integer> codes = c.getGrpcCriteria().getGrpcSuccessStatusList();
            if (codes.isEmpty()) {
                throw gp.error("must have at least one status");
            }
            grpc = 0;
            for (int i = 0; i < codes.size(); i++) {
                long code = Integer.toUnsignedLong(codes.get(i));
                if (code > 16) {
                    throw gp.index(i).error("invalid gRPC code " + code);
                }
                grpc |= 1 << code;
            }
        }
        return new SuccessCriteria(http, grpc);
    }

    @Override
    public HttpFilterFactory.Provider<AdmissionControlConfig> runtime() {
        return new AdmissionControlFilterFactory.Provider();
    }
}

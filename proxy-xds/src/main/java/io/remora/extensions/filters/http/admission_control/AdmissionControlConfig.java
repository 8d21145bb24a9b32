package io.remora.extensions.filters.http.admission_control;

import io.remora.config.HttpFilterConfig;
import io.remora.extensions.filters.common.RuntimeFlag;
import io.remora.extensions.filters.common.RuntimeNumber;

/**
 * {@code envoy.extensions.filters.http.admission_control.v3.AdmissionControl}.
 *
 * @param enabled               {@code enabled}; unset is on
 * @param criteria              {@code success_criteria}, Envoy's defaults where a part is unset
 * @param samplingWindowSeconds {@code sampling_window}, whole seconds as Envoy truncates it
 * @param aggression            {@code aggression}; values below 1 count as 1
 * @param srThreshold           {@code sr_threshold}, percent
 * @param rpsThreshold          {@code rps_threshold}
 * @param maxRejection          {@code max_rejection_probability}, percent
 */
public record AdmissionControlConfig(RuntimeFlag enabled, SuccessCriteria criteria, long samplingWindowSeconds,
                                     RuntimeNumber aggression, RuntimeNumber srThreshold, RuntimeNumber rpsThreshold,
                                     RuntimeNumber maxRejection) implements HttpFilterConfig {

    public static final String NAME = "envoy.filters.http.admission_control";

    @Override
    public String filterName() {
        return NAME;
    }

    static Builder builder() {
        return new Builder();
    }

    /** Envoy's defaults: enabled, 30 s window, aggression 1, 95 % success rate, no RPS floor, at most 80 % rejected. */
    static final class Builder {
        private RuntimeFlag enabled = RuntimeFlag.constant(true);
        private SuccessCriteria criteria = SuccessCriteria.DEFAULT;
        private long samplingWindowSeconds = 30;
        private RuntimeNumber aggression = RuntimeNumber.constant(1.0);
        private RuntimeNumber srThreshold = RuntimeNumber.constant(95.0);
        private RuntimeNumber rpsThreshold = RuntimeNumber.constant(0);
        private RuntimeNumber maxRejection = RuntimeNumber.constant(80.0);

        Builder enabled(RuntimeFlag v) {
            enabled = v;
            return this;
        }

        Builder criteria(SuccessCriteria v) {
            criteria = v;
            return this;
        }

        Builder samplingWindowSeconds(long v) {
            samplingWindowSeconds = v;
            return this;
        }

        Builder aggression(RuntimeNumber v) {
            aggression = v;
            return this;
        }

        Builder srThreshold(RuntimeNumber v) {
            srThreshold = v;
            return this;
        }

        Builder rpsThreshold(RuntimeNumber v) {
            rpsThreshold = v;
            return this;
        }

        Builder maxRejection(RuntimeNumber v) {
            maxRejection = v;
            return this;
        }

        AdmissionControlConfig build() {
            return new AdmissionControlConfig(enabled, criteria, samplingWindowSeconds, aggression, srThreshold,
                    rpsThreshold, maxRejection);
        }
    }
}

package io.remora.extensions.filters.common;

import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.remora.runtime.FractionalPercent;
import io.remora.runtime.Runtime;
import io.remora.xds.translate.FieldPath;

import java.util.concurrent.ThreadLocalRandom;

/** {@code config.core.v3.RuntimeFractionalPercent}: a runtime key's value, else its default. */
public record RuntimeFraction(String runtimeKey, FractionalPercent defaultValue) {

    public static RuntimeFraction of(RuntimeFractionalPercent p, FieldPath path) {
        if (!p.hasDefaultValue()) {
            throw path.field("default_value").error("missing required field");
        }
        return new RuntimeFraction(p.getRuntimeKey(), FilterProtos.fraction(p.getDefaultValue(), path.field("default_value")));
    }

    /** Whether this request falls in the fraction. */
    public boolean enabled(Runtime runtime) {
        return runtime.featureEnabled(runtimeKey, defaultValue, ThreadLocalRandom.current().nextLong());
    }
}

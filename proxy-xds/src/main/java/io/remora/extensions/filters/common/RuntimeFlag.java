package io.remora.extensions.filters.common;

import io.envoyproxy.envoy.config.core.v3.RuntimeFeatureFlag;
import io.remora.runtime.Runtime;
import io.remora.xds.translate.FieldPath;

/**
 * {@code config.core.v3.RuntimeFeatureFlag} (Envoy's {@code Runtime::FeatureFlag}): the runtime's
 * boolean for the key, else the default. Read per stream, so {@code /runtime_modify} takes effect at once.
 */
public record RuntimeFlag(String runtimeKey, boolean defaultValue) {

    /** An unset flag: always {@code value}. */
    public static RuntimeFlag constant(boolean value) {
        return new RuntimeFlag("", value);
    }

    /** Both fields are required, as the proto's validation says. */
    public static RuntimeFlag of(RuntimeFeatureFlag f, FieldPath path) {
        if (!f.hasDefaultValue()) {
            throw path.field("default_value").error("missing required field");
        }
        if (f.getRuntimeKey().isEmpty()) {
            throw path.field("runtime_key").error("must not be empty");
        }
        return new RuntimeFlag(f.getRuntimeKey(), f.getDefaultValue().getValue());
    }

    public boolean enabled(Runtime runtime) {
        return runtimeKey.isEmpty() ? defaultValue : runtime.getBoolean(runtimeKey, defaultValue);
    }
}

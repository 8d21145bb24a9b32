package io.remora.extensions.filters.common;

import io.envoyproxy.envoy.config.core.v3.RuntimeDouble;
import io.envoyproxy.envoy.config.core.v3.RuntimePercent;
import io.envoyproxy.envoy.config.core.v3.RuntimeUInt32;
import io.remora.runtime.Runtime;
import io.remora.xds.translate.FieldPath;

/**
 * Envoy's runtime-backed numbers ({@code RuntimeDouble}, {@code RuntimePercent},
 * {@code RuntimeUInt32}): the runtime's value for the key, read per use, else the default. As
 * Envoy's {@code Runtime::Percentage} and {@code Runtime::UInt32}, a runtime value outside the
 * kind's range falls back to the default rather than being clamped.
 */
public record RuntimeNumber(String runtimeKey, double defaultValue, Kind kind) {

    public enum Kind { DOUBLE, PERCENT, UINT32 }

    /** No message configured: always {@code value}. */
    public static RuntimeNumber constant(double value) {
        return new RuntimeNumber("", value, Kind.DOUBLE);
    }

    public static RuntimeNumber of(RuntimeDouble d, FieldPath path) {
        return new RuntimeNumber(key(d.getRuntimeKey(), path), d.getDefaultValue(), Kind.DOUBLE);
    }

    public static RuntimeNumber of(RuntimePercent p, FieldPath path) {
        double v = p.getDefaultValue().getValue();
        if (!(v >= 0 && v <= 100)) {
            throw path.field("default_value").field("value").error("must be in [0, 100], got " + v);
        }
        return new RuntimeNumber(key(p.getRuntimeKey(), path), v, Kind.PERCENT);
    }

    public static RuntimeNumber of(RuntimeUInt32 u, FieldPath path) {
        return new RuntimeNumber(key(u.getRuntimeKey(), path), Integer.toUnsignedLong(u.getDefaultValue()), Kind.UINT32);
    }

    private static String key(String key, FieldPath path) {
        if (key.isEmpty()) {
            throw path.field("runtime_key").error("must not be empty");
        }
        return key;
    }

    public double value(Runtime runtime) {
        if (runtimeKey.isEmpty()) {
            return defaultValue;
        }
        return switch (kind) {
            case DOUBLE -> runtime.getDouble(runtimeKey, defaultValue);
            case PERCENT -> {
                double v = runtime.getDouble(runtimeKey, defaultValue);
                yield v >= 0 && v <= 100 ? v : defaultValue;
            }
            case UINT32 -> {
                long v = runtime.getInteger(runtimeKey, (long) defaultValue);
                yield v > 0xFFFF_FFFFL ? defaultValue : v;
            }
        };
    }
}

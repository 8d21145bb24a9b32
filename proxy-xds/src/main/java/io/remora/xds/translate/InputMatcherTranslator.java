package io.remora.xds.translate;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.extensions.matching.input_matchers.consistent_hashing.v3.ConsistentHashing;
import io.envoyproxy.envoy.extensions.matching.input_matchers.metadata.v3.Metadata;
import io.envoyproxy.envoy.extensions.matching.input_matchers.runtime_fraction.v3.RuntimeFraction;
import io.remora.extensions.filters.common.FilterProtos;
import io.remora.matching.ConsistentHashMatcher;
import io.remora.matching.InputMatcher;
import io.remora.matching.MetadataInputMatcher;
import io.remora.matching.RuntimeFractionMatcher;

/**
 * The input matcher extensions of a single predicate's {@code custom_match} besides the IP
 * matcher (which {@link UnifiedMatcherTranslator} builds into CIDR ranges): consistent hashing,
 * runtime fraction, metadata and CEL, validated as Envoy's factories validate them.
 */
final class InputMatcherTranslator {

    private static final String PKG = "envoy.extensions.matching.input_matchers.";
    static final String CONSISTENT_HASHING = PKG + "consistent_hashing.v3.ConsistentHashing";
    static final String RUNTIME_FRACTION = PKG + "runtime_fraction.v3.RuntimeFraction";
    static final String METADATA = PKG + "metadata.v3.Metadata";
    static final String CEL = "xds.type.matcher.v3.CelMatcher";
    static final String SUPPORTED = PKG + "ip.v3.Ip, " + CONSISTENT_HASHING + ", " + RUNTIME_FRACTION + ", " + METADATA
            + ", " + CEL;

    private InputMatcherTranslator() {
    }

    /** The matcher of this type, or null when the type is none of these. */
    static InputMatcher translate(String type, Any config, FieldPath path) {
        return switch (type) {
            case CONSISTENT_HASHING -> {
                ConsistentHashing c = Protos.unpack(config, ConsistentHashing.class, path);
                long modulo = Integer.toUnsignedLong(c.getModulo());
                long threshold = Integer.toUnsignedLong(c.getThreshold());
                if (modulo == 0) {
                    throw path.field("modulo").error("value must be greater than 0");
                }
                if (threshold > modulo) {
                    throw path.field("threshold").error("threshold cannot be greater than modulo: " + threshold
                            + " > " + modulo);
                }
                yield new ConsistentHashMatcher(threshold, modulo, c.getSeed());
            }
            case RUNTIME_FRACTION -> {
                RuntimeFraction r = Protos.unpack(config, RuntimeFraction.class, path);
                FieldPath rp = path.field("runtime_fraction");
                if (!r.hasRuntimeFraction()) {
                    throw rp.error("missing required field");
                }
                yield new RuntimeFractionMatcher(r.getRuntimeFraction().getRuntimeKey(),
                        FilterProtos.runtimeDefault(r.getRuntimeFraction(), rp), r.getSeed());
            }
            case METADATA -> {
                Metadata m = Protos.unpack(config, Metadata.class, path);
                if (!m.hasValue()) {
                    throw path.field("value").error("missing required field");
                }
                yield new MetadataInputMatcher(MetadataMatcherTranslator.value(m.getValue(), path.field("value")),
                        m.getInvert());
            }
            case CEL -> io.remora.extensions.cel.CelInputMatcher.of(
                    Protos.unpack(config, com.github.xds.type.matcher.v3.CelMatcher.class, path), path);
            default -> null;
        };
    }
}

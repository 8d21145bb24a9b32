package io.remora.extensions.cel;

import io.remora.accesslog.ResponseFlag;
import io.remora.accesslog.StreamInfo;

import java.util.List;

/** {@code response.flags}: the response flags as Envoy's legacy bit mask (one bit per flag, in Envoy's order). */
final class ResponseFlagBits {

    /** Envoy's flags by bit position (StreamInfo::LegacyResponseFlags). */
    private static final List<String> ENVOY_ORDER = List.of("LH", "UH", "UT", "LR", "UR", "UF", "UC", "UO", "NR",
            "DI", "FI", "RL", "UAEX", "RLSE", "DC", "URX", "SI", "IH", "DPE", "UMSDR", "RFCF", "NFCF", "DT", "UPE",
            "NC", "OM", "DF", "DO", "DR", "UDO");
    private static final ResponseFlag[] FLAGS = ResponseFlag.values();
    private static final long[] BITS = new long[FLAGS.length];

    static {
        for (ResponseFlag f : FLAGS) {
            int bit = ENVOY_ORDER.indexOf(f.code);
            BITS[f.ordinal()] = bit < 0 ? 0 : 1L << bit;
        }
    }

    private ResponseFlagBits() {
    }

    static long of(StreamInfo info) {
        if (!info.hasAnyFlag()) {
            return 0;
        }
        long bits = 0;
        for (ResponseFlag f : FLAGS) {
            if (info.hasFlag(f)) {
                bits |= BITS[f.ordinal()];
            }
        }
        return bits;
    }
}

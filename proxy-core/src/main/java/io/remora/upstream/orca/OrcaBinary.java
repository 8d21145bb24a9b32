package io.remora.upstream.orca;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * The binary forms ({@code endpoint-load-metrics-bin}, {@code BIN } in
 * {@code endpoint-load-metrics}): base64 of a serialized {@code OrcaLoadReport}, read off the
 * protobuf wire format directly (proxy-core carries no protobuf runtime). Unknown fields are
 * skipped as protobuf parsers do; a truncated message gives no report.
 */
final class OrcaBinary {
    private static final int CPU = 1;
    private static final int MEM = 2;
    private static final int UTILIZATION = 5;
    private static final int RPS_FRACTIONAL = 6;
    private static final int EPS = 7;
    private static final int NAMED_METRICS = 8;
    private static final int APPLICATION = 9;

    private final byte[] b;
    private int pos;

    private OrcaBinary(byte[] b) {
        this.b = b;
    }

    static OrcaLoadReport parse(CharSequence v, int from, List<String> metricNames) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(v.subSequence(from, v.length()).toString().trim());
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (bytes.length == 0) {
            return null; // Envoy: an empty decoded value is an error
        }
        OrcaLoadReport r = new OrcaLoadReport(metricNames);
        try {
            new OrcaBinary(bytes).report(r);
        } catch (IndexOutOfBoundsException e) {
            return null;
        }
        return r;
    }

    private void report(OrcaLoadReport r) {
        while (pos < b.length) {
            long tag = varint();
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if (wire == 1) {
                double d = Double.longBitsToDouble(fixed64());
                switch (field) {
                    case CPU -> r.cpuUtilization = d;
                    case MEM -> r.memUtilization = d;
                    case RPS_FRACTIONAL -> r.rpsFractional = d;
                    case EPS -> r.eps = d;
                    case APPLICATION -> r.applicationUtilization = d;
                    default -> { }
                }
            } else if (wire == 2 && (field == NAMED_METRICS || field == UTILIZATION)) {
                int end = length();
                entry(end, r, field == NAMED_METRICS ? "named_metrics" : "utilization");
            } else {
                skip(wire);
            }
        }
    }

    /** One map entry up to {@code end}: key (1, string), value (2, double). */
    private void entry(int end, OrcaLoadReport r, String mapField) {
        String key = "";
        double value = 0;
        while (pos < end) {
            long tag = varint();
            int wire = (int) (tag & 7);
            if (tag >>> 3 == 1 && wire == 2) {
                int e = length();
                key = new String(b, pos, e - pos, StandardCharsets.UTF_8);
                pos = e;
            } else if (tag >>> 3 == 2 && wire == 1) {
                value = Double.longBitsToDouble(fixed64());
            } else {
                skip(wire);
            }
        }
        if (pos != end) {
            throw new IndexOutOfBoundsException("map entry overruns its length");
        }
        r.mapEntry(mapField, key, value);
    }

    private void skip(int wire) {
        switch (wire) {
            case 0 -> varint();
            case 1 -> fixed64();
            case 2 -> pos = length();
            case 5 -> {
                check(4);
                pos += 4;
            }
            default -> throw new IndexOutOfBoundsException("wire type " + wire);
        }
    }

    /** Reads a length prefix; the end offset of the bytes it covers (the position is left at their start). */
    private int length() {
        long len = varint();
        if (len > b.length - pos) {
            throw new IndexOutOfBoundsException("truncated");
        }
        return pos + (int) len;
    }

    private long varint() {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            check(1);
            byte x = b[pos++];
            v |= (long) (x & 0x7F) << shift;
            if (x >= 0) {
                return v;
            }
        }
        throw new IndexOutOfBoundsException("varint too long");
    }

    private long fixed64() {
        check(8);
        long v = 0;
        for (int k = 7; k >= 0; k--) {
            v = v << 8 | (b[pos + k] & 0xFF);
        }
        pos += 8;
        return v;
    }

    private void check(int n) {
        if (pos + n > b.length) {
            throw new IndexOutOfBoundsException("truncated");
        }
    }
}

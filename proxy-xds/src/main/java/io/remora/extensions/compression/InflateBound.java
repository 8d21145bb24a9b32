package io.remora.extensions.compression;

/**
 * Guards a decompressor against bombs the way Envoy's zlib decompressor does with
 * {@code max_inflate_ratio}: the output so far may be at most {@code ratio} times the input so far.
 * Checked as output is produced, so a bomb costs at most one chunk beyond the bound.
 */
final class InflateBound {

    private final long ratio;
    private long in;
    private long out;

    InflateBound(int ratio) {
        this.ratio = ratio;
    }

    void input(long bytes) {
        in += bytes;
    }

    void output(long bytes) {
        out += bytes;
        // The first chunk of tiny input gets one chunk of slack (a 20-byte gzip of 4 KiB is fine).
        if (out > ratio * Math.max(in, 1) && out > 65536) {
            throw new DecompressionException("decompressed data exceeds the inflate ratio " + ratio
                    + " (" + out + " bytes from " + in + ")");
        }
    }
}

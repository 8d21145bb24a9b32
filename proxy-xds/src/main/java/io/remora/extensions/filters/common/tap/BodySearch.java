package io.remora.extensions.filters.common.tap;

import io.netty.buffer.ByteBuf;

import java.util.List;

/**
 * One stream's search of a body for a generic body match's patterns, chunk by chunk: it keeps
 * only the last (longest pattern - 1) bytes seen, so that a pattern split across chunks is found,
 * and stops once every pattern is found or the byte limit is passed (as Envoy's
 * HttpGenericBodyMatcher).
 */
public final class BodySearch {

    private final List<byte[]> patterns;
    private final long limit;
    private final boolean[] found;
    private final byte[] tail;
    private int tailLength;
    private int remaining;
    private long searched;
    private boolean exhausted;

    public BodySearch(List<byte[]> patterns, long limit) {
        this.patterns = patterns;
        this.limit = limit;
        this.found = new boolean[patterns.size()];
        this.remaining = patterns.size();
        int longest = 0;
        for (byte[] p : patterns) {
            longest = Math.max(longest, p.length);
        }
        this.tail = new byte[Math.max(0, longest - 1)];
    }

    /** All patterns were seen. */
    public boolean found() {
        return remaining == 0;
    }

    /** The limit was reached without seeing them all: the outcome cannot change any more. */
    public boolean exhausted() {
        return exhausted;
    }

    public void onData(ByteBuf data) {
        if (remaining == 0 || exhausted) {
            return;
        }
        int length = data.readableBytes();
        if (limit > 0) {
            length = (int) Math.min(length, limit - searched);
        }
        int from = data.readerIndex();
        for (int i = 0; i < found.length; i++) {
            if (!found[i] && contains(data, from, length, patterns.get(i))) {
                found[i] = true;
                remaining--;
            }
        }
        searched += length;
        if (remaining > 0 && limit > 0 && searched >= limit) {
            exhausted = true;
            return;
        }
        keepTail(data, from, length);
    }

    /** Whether {@code pattern} occurs in the kept tail followed by {@code data[from, from + length)}. */
    private boolean contains(ByteBuf data, int from, int length, byte[] pattern) {
        int total = tailLength + length;
        for (int start = 0; start + pattern.length <= total; start++) {
            int k = 0;
            while (k < pattern.length && at(data, from, start + k) == pattern[k]) {
                k++;
            }
            if (k == pattern.length) {
                return true;
            }
        }
        return false;
    }

    private byte at(ByteBuf data, int from, int i) {
        return i < tailLength ? tail[i] : data.getByte(from + i - tailLength);
    }

    private void keepTail(ByteBuf data, int from, int length) {
        int keep = Math.min(tail.length, tailLength + length);
        int fromTail = keep - Math.min(keep, length);
        System.arraycopy(tail, tailLength - fromTail, tail, 0, fromTail);
        data.getBytes(from + length - (keep - fromTail), tail, fromTail, keep - fromTail);
        tailLength = keep;
    }
}

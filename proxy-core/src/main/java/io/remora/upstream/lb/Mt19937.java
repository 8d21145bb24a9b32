package io.remora.upstream.lb;

/**
 * The 32-bit Mersenne Twister of C++'s {@code std::mt19937}, which Envoy's bounded-load hashing
 * seeds with a request's hash to walk the hosts in the same order on every proxy: the same seed
 * gives the same sequence here.
 */
final class Mt19937 {
    private static final int N = 624;
    private static final int M = 397;
    private final int[] mt = new int[N];
    private int index;

    /** Seeded as {@code std::mt19937(seed)}: the seed's low 32 bits. */
    Mt19937(long seed) {
        mt[0] = (int) seed;
        for (int i = 1; i < N; i++) {
            mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
        }
        index = N;
    }

    /** The next output, an unsigned 32-bit value. */
    long next() {
        if (index >= N) {
            twist();
        }
        int y = mt[index++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return Integer.toUnsignedLong(y);
    }

    /** Envoy's uniform_int: a value in [0, k) by rejection, as its bounded-load walk draws it. */
    int below(int k) {
        long bucket = (1L << 32) / k;
        long x = k;
        while (x >= k) {
            x = next() / bucket;
        }
        return (int) x;
    }

    private void twist() {
        for (int i = 0; i < N; i++) {
            int y = (mt[i] & 0x80000000) | (mt[(i + 1) % N] & 0x7fffffff);
            int v = mt[(i + M) % N] ^ (y >>> 1);
            if ((y & 1) != 0) {
                v ^= 0x9908b0df;
            }
            mt[i] = v;
        }
        index = 0;
    }
}

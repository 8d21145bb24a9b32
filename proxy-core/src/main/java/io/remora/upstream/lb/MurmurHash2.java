package io.remora.upstream.lb;

import java.nio.charset.StandardCharsets;

/**
 * 64-bit MurmurHash2 as libstdc++'s {@code std::hash<std::string>} computes it
 * ({@code _Hash_bytes}, seed 0xc70f6907): Envoy's {@code MurmurHash::murmurHash2} with
 * {@code STD_HASH_SEED}, the ring hash's MURMUR_HASH_2 (compatible with std::hash-based rings).
 */
public final class MurmurHash2 {
    public static final long STD_HASH_SEED = 0xc70f6907L;
    private static final long M = 0xc6a4a7935bd1e995L;
    private static final int R = 47;

    private MurmurHash2() {
    }

    public static long hash(String s) {
        return hash(s.getBytes(StandardCharsets.UTF_8), STD_HASH_SEED);
    }

    public static long hash(byte[] b, long seed) {
        int len = b.length;
        long h = seed ^ (len * M);
        int aligned = len & ~7;
        for (int i = 0; i < aligned; i += 8) {
            long k = (b[i] & 0xFFL) | (b[i + 1] & 0xFFL) << 8 | (b[i + 2] & 0xFFL) << 16 | (b[i + 3] & 0xFFL) << 24
                    | (b[i + 4] & 0xFFL) << 32 | (b[i + 5] & 0xFFL) << 40 | (b[i + 6] & 0xFFL) << 48
                    | (b[i + 7] & 0xFFL) << 56;
            k *= M;
            k ^= k >>> R;
            k *= M;
            h ^= k;
            h *= M;
        }
        int rem = len & 7;
        if (rem != 0) {
            long k = 0;
            for (int j = rem - 1; j >= 0; j--) {
                k = (k << 8) | (b[aligned + j] & 0xFFL);
            }
            h ^= k;
            h *= M;
        }
        h ^= h >>> R;
        h *= M;
        h ^= h >>> R;
        return h;
    }
}

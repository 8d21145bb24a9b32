package io.remora.xds;

/**
 * Run by {@link NativeLibrariesE2ETest} in a JVM of its own whose /tmp is read-only: which of the
 * jar's JNI libraries load there, after {@link Main} has applied {@code -Dremora.native.dir} as it
 * does at start.
 */
public final class NativeLoadProbe {

    private NativeLoadProbe() {
    }

    public static void main(String[] args) {
        NativeLibraries.useDirectory();
        System.out.println("epoll " + io.netty.channel.epoll.Epoll.isAvailable());
        System.out.println("boringssl " + io.netty.handler.ssl.OpenSsl.isAvailable());
        System.out.println("brotli " + com.aayushatharva.brotli4j.Brotli4jLoader.isAvailable());
        boolean zstd;
        try {
            byte[] in = "zstd zstd zstd zstd".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            zstd = java.util.Arrays.equals(in, com.github.luben.zstd.Zstd.decompress(com.github.luben.zstd.Zstd.compress(in),
                    in.length));
        } catch (Throwable t) {
            zstd = false;
        }
        System.out.println("zstd " + zstd);
    }
}

package io.remora.e2e;

import java.util.concurrent.CountDownLatch;

/**
 * A stand-in for Remora's main in {@link LauncherE2ETest}: bin/remora runs any jar, and a jar of
 * this one class is small enough to archive (class-data sharing) in a test. It exits as the proxy
 * does: 0 after SIGTERM ({@code wait}), non-zero on a failure ({@code fail}); the launcher's
 * training run ({@code -Dremora.cds.training=true}) returns at once, or fails as {@code fail} does;
 * with {@code natives} it leaves a library where {@code -Dremora.native.dir} says, as Remora's
 * training leaves Netty's, and the serving run prints its library path ({@code natives-fail}: the
 * same, then it fails).
 */
public final class LauncherProbe {

    private LauncherProbe() {
    }

    @SuppressWarnings("removal")
    public static void main(String[] args) throws InterruptedException, java.io.IOException {
        String mode = args.length == 0 ? "" : args[0];
        if (Boolean.getBoolean("remora.cds.training")) {
            // bin/remora's training run, as Remora's: it fails where the config does, else returns
            System.out.println("probe training");
            String nativeDir = System.getProperty("remora.native.dir");
            if (mode.startsWith("natives") && nativeDir != null) {
                // as Remora's leaves Netty's libraries there
                java.nio.file.Files.createDirectories(java.nio.file.Path.of(nativeDir));
                java.nio.file.Files.writeString(java.nio.file.Path.of(nativeDir, "libprobe.so"), "probe");
            }
            System.exit(mode.endsWith("fail") ? 3 : 0);
        }
        switch (mode) {
            case "wait" -> {
                CountDownLatch stop = new CountDownLatch(1);
                sun.misc.Signal.handle(new sun.misc.Signal("TERM"), s -> stop.countDown());
                System.out.println("probe waiting");
                System.out.flush();
                stop.await();
                System.out.println("probe stopped");
                System.exit(0);
            }
            case "fail", "natives-fail" -> System.exit(3);
            case "natives" -> {
                System.out.println("probe library path " + System.getProperty("java.library.path"));
                System.out.println("probe native dir " + System.getProperty("remora.native.dir"));
            }
            default -> System.out.println("probe " + String.join(" ", args));
        }
    }
}

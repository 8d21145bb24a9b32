package io.remora.e2e;

import java.util.concurrent.CountDownLatch;

/**
 * A stand-in for Remora's main in {@link LauncherE2ETest}: bin/remora runs any jar, and a jar of
 * this one class is small enough to archive (class-data sharing) in a test. It exits as the proxy
 * does: 0 after SIGTERM ({@code wait}), non-zero on a failure ({@code fail}); the launcher's
 * training run ({@code -Dremora.cds.training=true}) returns at once, or fails as {@code fail} does.
 */
public final class LauncherProbe {

    private LauncherProbe() {
    }

    @SuppressWarnings("removal")
    public static void main(String[] args) throws InterruptedException {
        String mode = args.length == 0 ? "" : args[0];
        if (Boolean.getBoolean("remora.cds.training")) {
            // bin/remora's training run, as Remora's: it fails where the config does, else returns
            System.out.println("probe training");
            System.exit("fail".equals(mode) ? 3 : 0);
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
            case "fail" -> System.exit(3);
            default -> System.out.println("probe " + String.join(" ", args));
        }
    }
}

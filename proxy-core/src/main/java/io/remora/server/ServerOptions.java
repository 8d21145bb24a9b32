package io.remora.server;

import java.time.Duration;

/**
 * Process-level settings from the command line.
 *
 * @param concurrency worker event loops ({@code --concurrency}, default: available cores)
 * @param drainTime   {@code --drain-time-s}: how long in-flight work may finish on drain
 * @param parentShutdownTime {@code --parent-shutdown-time-s}: hard stop after drain began
 * @param drainStrategy {@code --drain-strategy}: whether a drain tells every connection at once or a
 *                      growing share over the drain time
 */
public record ServerOptions(int concurrency, Transport transport, Duration drainTime,
                            Duration parentShutdownTime, DrainStrategy drainStrategy) {

    /** Envoy's defaults: a gradual drain over 600 s. */
    public static ServerOptions defaults() {
        return new ServerOptions(Runtime.getRuntime().availableProcessors(), Transport.detect(),
                Duration.ofSeconds(600), Duration.ofSeconds(900), DrainStrategy.GRADUAL);
    }
}

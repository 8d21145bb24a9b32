package io.remora.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CompactRecvAllocatorTest {

    /**
     * Read loops of random sizes, some filling their buffer, some not, with read-loop ends between
     * them: the compact handle guesses and stops reading exactly as Netty's adaptive handle does.
     */
    @Test
    void sizesAndStopsAsNettysAdaptiveAllocator() {
        ChannelConfig config = new EmbeddedChannel().config();
        RecvByteBufAllocator.ExtendedHandle netty = (RecvByteBufAllocator.ExtendedHandle)
                new AdaptiveRecvByteBufAllocator(64, 2048, CompactRecvAllocator.MAXIMUM).maxMessagesPerRead(16).newHandle();
        RecvByteBufAllocator.ExtendedHandle compact = (RecvByteBufAllocator.ExtendedHandle)
                new CompactRecvAllocator(16).newHandle();
        Random r = new Random(42);
        int steps = 0;
        int maxGuess = 0;
        for (int loop = 0; loop < 2_000; loop++) {
            netty.reset(config);
            compact.reset(config);
            // Bursts of full reads make it grow, quiet stretches make it shrink.
            boolean burst = (loop / 50) % 2 == 0;
            do {
                int guess = netty.guess();
                maxGuess = Math.max(maxGuess, guess);
                assertEquals(guess, compact.guess(), "guess at step " + steps);
                netty.attemptedBytesRead(guess);
                compact.attemptedBytesRead(guess);
                int n = burst && r.nextInt(4) > 0 ? guess : r.nextInt(Math.max(1, guess / (burst ? 1 : 8)));
                if (r.nextInt(50) == 0) {
                    n = r.nextBoolean() ? 0 : -1; // nothing there / end of input
                }
                netty.lastBytesRead(n);
                compact.lastBytesRead(n);
                netty.incMessagesRead(1);
                compact.incMessagesRead(1);
                assertEquals(netty.lastBytesRead(), compact.lastBytesRead());
                steps++;
                boolean more = netty.continueReading();
                assertEquals(more, compact.continueReading(), "continueReading at step " + steps);
                if (!more) {
                    break;
                }
            } while (true);
            netty.readComplete();
            compact.readComplete();
        }
        assertEquals(netty.guess(), compact.guess());
        assertEquals(CompactRecvAllocator.MAXIMUM, maxGuess, "bursts reach the largest size");
        // The largest size Netty's adaptive pool keeps pooled in its low-memory mode.
        assertTrue(maxGuess <= 16_896, "largest read " + maxGuess);
    }
}

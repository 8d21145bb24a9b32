package io.remora.http;

import io.remora.http.testing.LeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A few seconds of {@link CodecFuzzer} on every build: no exception reaches the end of a pipeline,
 * nothing leaks (LeakCheck, paranoid), nothing hangs. The seed is printed to replay a failure.
 */
@ExtendWith(LeakCheck.class)
class CodecFuzzTest {

    @Test
    void codecsSurviveRandomisedInput() throws Exception {
        long seed = System.nanoTime();
        System.out.println("codec fuzz seed " + seed);
        CodecFuzzer.Report r = CodecFuzzer.run(Duration.ofSeconds(4), seed);
        System.out.println("codec fuzz: " + r);
        assertTrue(r.inputs() > 20, "seed " + seed + ": too few inputs: " + r);
    }
}

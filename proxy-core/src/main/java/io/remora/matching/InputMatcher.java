package io.remora.matching;

import io.remora.config.MatchInput;

/**
 * One of Envoy's input matcher extensions ({@code envoy.matching.input_matchers.*}) in a single
 * predicate: it reads its input from the matching data itself, since some take more than the
 * input's string (the metadata matcher reads a metadata value, runtime_fraction the runtime).
 * Implementations are records, so a config that did not change compares equal.
 */
public interface InputMatcher {

    /** Whether the input, as read from data, matches; an input without a value never does. */
    boolean matches(MatchInput input, MatchingData data);
}

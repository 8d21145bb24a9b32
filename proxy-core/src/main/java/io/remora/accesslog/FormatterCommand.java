package io.remora.accesslog;

import java.util.function.Function;

/**
 * A command operator a formatter extension adds to format strings (Envoy's {@code formatters}:
 * {@code %CEL(expr)%}, ...), tried before the built-in operators.
 */
public interface FormatterCommand {

    /**
     * The value of {@code %name(arg)%} for a stream (null or empty prints as missing), or null when
     * {@code name} is not this extension's. Throws IllegalArgumentException on a bad argument.
     */
    Function<StreamInfo, String> parse(String name, String arg);
}

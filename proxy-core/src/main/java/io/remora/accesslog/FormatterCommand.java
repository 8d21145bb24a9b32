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

    /**
     * A command whose JSON log value keeps a type ({@code %TYPED_CEL(expr)%}): its text form for
     * text formats and its value for JSON ones (a String, Long, Double, Boolean, Map or List; null
     * when missing), or null when {@code name} is not such a command of this extension.
     */
    default Typed parseTyped(String name, String arg) {
        return null;
    }

    /** A typed command's two forms. */
    record Typed(Function<StreamInfo, String> text, Function<StreamInfo, Object> json) {
    }
}

package io.remora.xds.translate;

/**
 * A config that Remora refuses, with the field path of the offending value (e.g.
 * {@code static_resources.listeners[0].filter_chains[0].filters[0].typed_config.stat_prefix}).
 * At start-up it is a clear error and exit code; over xDS it becomes the NACK's reason.
 */
public final class TranslationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String path;
    private final String reason;

    public TranslationException(String path, String reason) {
        super(path.isEmpty() ? reason : path + ": " + reason);
        this.path = path;
        this.reason = reason;
    }

    public TranslationException(String path, String reason, Throwable cause) {
        this(path, reason);
        initCause(cause);
    }

    /** The field path of the rejected value; "" for the whole document. */
    public String path() {
        return path;
    }

    public String reason() {
        return reason;
    }
}

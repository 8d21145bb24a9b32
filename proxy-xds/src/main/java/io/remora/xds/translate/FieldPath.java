package io.remora.xds.translate;

/** An immutable field path in Envoy's snake_case, built while descending a config. */
public final class FieldPath {

    public static final FieldPath ROOT = new FieldPath("");

    private final String path;

    private FieldPath(String path) {
        this.path = path;
    }

    public static FieldPath of(String path) {
        return new FieldPath(path);
    }

    public FieldPath field(String name) {
        return new FieldPath(path.isEmpty() ? name : path + "." + name);
    }

    public FieldPath index(int i) {
        return new FieldPath(path + "[" + i + "]");
    }

    /** A map entry, e.g. {@code typed_extension_protocol_options["envoy.extensions..."]}. */
    public FieldPath key(String key) {
        return new FieldPath(path + "[\"" + key + "\"]");
    }

    public TranslationException error(String reason) {
        return new TranslationException(path, reason);
    }

    @Override
    public String toString() {
        return path;
    }
}

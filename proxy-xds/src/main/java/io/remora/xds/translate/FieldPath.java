package io.remora.xds.translate;

/**
 * An immutable field path in Envoy's snake_case, built while descending a config. The text is
 * made only when asked for (an error or a warning names it): translation makes a path for every
 * field and list entry it visits, and building each string eagerly was ~6 % of the main thread's
 * start-up CPU.
 */
public final class FieldPath {

    public static final FieldPath ROOT = of("");

    private static final int FIELD = -1;
    private static final int KEY = -2;

    private final FieldPath parent;
    /** The field name or map key; null for a list index. */
    private final String name;
    /** {@link #FIELD}, {@link #KEY}, or the list index. */
    private final int index;
    /** The text, once made (a benign race: Strings are safely published). */
    private String path;

    private FieldPath(FieldPath parent, String name, int index, String path) {
        this.parent = parent;
        this.name = name;
        this.index = index;
        this.path = path;
    }

    public static FieldPath of(String path) {
        return new FieldPath(null, null, FIELD, path);
    }

    public FieldPath field(String name) {
        return new FieldPath(this, name, FIELD, null);
    }

    public FieldPath index(int i) {
        return new FieldPath(this, null, i, null);
    }

    /** A map entry, e.g. {@code typed_extension_protocol_options["envoy.extensions..."]}. */
    public FieldPath key(String key) {
        return new FieldPath(this, key, KEY, null);
    }

    public TranslationException error(String reason) {
        return new TranslationException(toString(), reason);
    }

    @Override
    public String toString() {
        String p = path;
        if (p == null) {
            StringBuilder sb = new StringBuilder(64);
            appendTo(sb);
            path = p = sb.toString();
        }
        return p;
    }

    private void appendTo(StringBuilder sb) {
        if (path != null) {
            sb.append(path);
            return;
        }
        parent.appendTo(sb);
        if (index >= 0) {
            sb.append('[').append(index).append(']');
        } else if (index == KEY) {
            sb.append("[\"").append(name).append("\"]");
        } else {
            if (sb.length() > 0) {
                sb.append('.');
            }
            sb.append(name);
        }
    }
}

package io.remora.extensions.filters.common.tap;

/**
 * One configured tap extension (Envoy's ExtensionConfigBase): the tap config in force, static or
 * installed by a {@code /tap} session, read by its streams on their event loops.
 */
public final class TapExtensionConfig {

    /** A tap config in force with its sink. */
    public record Active(TapSpec spec, TraceSink sink) {
    }

    private volatile Active active;

    /** A static config: in force for good. */
    public static TapExtensionConfig of(TapSpec spec) {
        TapExtensionConfig c = new TapExtensionConfig();
        if (!(spec.sink() instanceof TapSpec.FilePerTap f)) {
            throw new IllegalArgumentException("a static tap config writes files");
        }
        c.active = new Active(spec, new FilePerTapSink(f.pathPrefix(), spec.format(), spec.streaming()));
        return c;
    }

    /** An admin-configured extension: nothing is tapped until a {@code /tap} session installs a config. */
    public static TapExtensionConfig admin() {
        return new TapExtensionConfig();
    }

    /** The config in force, or null: nothing to tap. */
    public Active active() {
        return active;
    }

    void install(Active a) {
        active = a;
    }

    void clear() {
        active = null;
    }
}

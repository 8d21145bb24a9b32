package io.remora.config;

/**
 * Where the config of one discovered filter (extension config discovery, ECDS) lives while the
 * listener that uses it runs: the xDS side sets it when a TypedExtensionConfig arrives or goes, and
 * each new stream or connection reads it, so an update reaches live listeners without a drain, as
 * Envoy swaps a discovered filter's factory in place. Deliberately mutable: the one exception to
 * the config records' immutability, shared by every listener naming the same resource.
 *
 * @param <C> {@link HttpFilterConfig} or {@link NetworkFilterConfig}
 */
public final class ExtensionConfigSlot<C> {
    private final String name;
    private volatile C config;

    public ExtensionConfigSlot(String name) {
        this.name = name;
    }

    /** The TypedExtensionConfig's name (the filter's name). */
    public String name() {
        return name;
    }

    /** The delivered config, or null before the first one and after its removal. */
    public C config() {
        return config;
    }

    public void set(C config) {
        this.config = config;
    }

    @Override
    public String toString() {
        return "ExtensionConfigSlot{" + name + "}";
    }
}

package io.remora.xds.translate;

import io.remora.extensions.Extension;

import java.util.function.Function;

/**
 * Envoy's pre-1.14 extension names ({@code envoy.router}, {@code envoy.tcp_proxy}, ...). Envoy
 * refuses them since 1.20 ("Didn't find a registered implementation for name"), so a filter that
 * names one and has no typed_config is refused here too, naming the current name, rather than
 * skipped as an unknown filter would be.
 */
final class DeprecatedNames {

    private DeprecatedNames() {
    }

    /**
     * Throws when {@code name} is {@code envoy.<x>} and {@code <prefix><x>} is an extension of
     * this kind ({@code lookup} answers null for other kinds).
     */
    static void refuse(String name, String prefix, Function<String, Extension> lookup, FieldPath path) {
        if (!name.startsWith("envoy.") || name.indexOf('.', "envoy.".length()) >= 0) {
            return;
        }
        String current = prefix + name.substring("envoy.".length());
        if (lookup.apply(current) != null) {
            throw path.error("Didn't find a registered implementation for name: '" + name + "' (a deprecated name"
                    + " Envoy no longer accepts: use '" + current + "', or give a typed_config)");
        }
    }
}

package io.remora.xds.translate;

import io.remora.config.TracingConfig;
import io.remora.xds.bootstrap.BootstrapLoader;

/** A bootstrap's {@code tracing.http} of one tracer, translated: the tracer translation tests' input. */
final class BootstrapTracers {

    private BootstrapTracers() {
    }

    /** @param fields the typed_config's fields (YAML, unindented) */
    static TracingConfig.Provider provider(String name, String configType, String fields, TranslationContext ctx) {
        String yaml = """
                tracing:
                  http:
                    name: %s
                    typed_config:
                      "@type": type.googleapis.com/%s
                """.formatted(name, configType) + fields.indent(6);
        return TracingTranslator.bootstrapProvider(new BootstrapLoader().loadString(yaml, "t.yaml").proto(), ctx);
    }
}

package io.remora.extensions.filters.http.set_metadata;

import io.envoyproxy.envoy.extensions.filters.http.set_metadata.v3.Config;
import io.envoyproxy.envoy.extensions.filters.http.set_metadata.v3.Metadata;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.filters.common.FilterProtos;
import io.remora.extensions.filters.http.common.HcmCounters;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.ArrayList;
import java.util.List;

/** {@code envoy.filters.http.set_metadata} ({@code set_metadata.v3.Config}). */
public final class SetMetadataExtension implements HttpFilterExtension<SetMetadataConfig> {

    @Override
    public List<String> names() {
        return List.of(SetMetadataConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.http.set_metadata.v3.Config");
    }

    @Override
    public SetMetadataConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        Config c = config == null ? Config.getDefaultInstance() : config.unpack(Config.class, path);
        List<SetMetadataConfig.Entry> entries = new ArrayList<>();
        // As Envoy: the deprecated pair counts only when both are set, and always merges.
        if (c.hasValue() && !c.getMetadataNamespace().isEmpty()) {
            entries.add(new SetMetadataConfig.Entry(c.getMetadataNamespace(), FilterProtos.plain(c.getValue()), true));
        }
        for (int i = 0; i < c.getMetadataCount(); i++) {
            Metadata m = c.getMetadata(i);
            FieldPath p = path.field("metadata").index(i);
            if (m.getMetadataNamespace().isEmpty()) {
                throw p.field("metadata_namespace").error("must not be empty");
            }
            if (m.hasValue()) {
                entries.add(new SetMetadataConfig.Entry(m.getMetadataNamespace(), FilterProtos.plain(m.getValue()),
                        m.getAllowOverwrite()));
            } else if (m.hasTypedValue()) {
                // Typed filter metadata has no reader here (access logs and matchers read the Struct form).
                ctx.warnOnce("set_metadata:typed_value", "ignoring set_metadata typed_value (typed dynamic"
                        + " metadata is not kept), first at " + p.field("typed_value"));
            } else {
                ctx.warnOnce("set_metadata:no_value", "set_metadata entry without value or typed_value sets"
                        + " nothing, first at " + p);
            }
        }
        return new SetMetadataConfig(entries);
    }

    @Override
    public HttpFilterFactory.Provider<SetMetadataConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<SetMetadataConfig> configType() {
                return SetMetadataConfig.class;
            }

            @Override
            public HttpFilterFactory create(SetMetadataConfig config, ServerContext context) {
                HcmCounters counters = new HcmCounters(context.stats().meterRegistry(),
                        "envoy_http_set_metadata_overwrite_denied");
                return () -> new SetMetadataFilter(config, counters);
            }
        };
    }
}

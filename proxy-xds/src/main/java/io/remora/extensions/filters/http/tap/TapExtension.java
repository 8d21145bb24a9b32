package io.remora.extensions.filters.http.tap;

import io.envoyproxy.envoy.extensions.common.tap.v3.CommonExtensionConfig;
import io.envoyproxy.envoy.extensions.filters.http.tap.v3.Tap;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.filters.common.tap.TapConfigTranslator;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/** {@code envoy.filters.http.tap}: records matching streams as buffered traces (Envoy's tap filter). */
public final class TapExtension implements HttpFilterExtension<TapFilterConfig> {

    static final String TYPE = "envoy.extensions.filters.http.tap.v3.Tap";

    @Override
    public List<String> names() {
        return List.of(TapFilterConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of(TYPE);
    }

    @Override
    public TapFilterConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field (common_config is required)");
        }
        return translate(config.unpack(Tap.class, path), path, ctx);
    }

    static TapFilterConfig translate(Tap tap, FieldPath path, TranslationContext ctx) {
        if (!tap.hasCommonConfig()) {
            throw path.field("common_config").error("value is required");
        }
        CommonExtensionConfig common = tap.getCommonConfig();
        FieldPath cp = path.field("common_config");
        return switch (common.getConfigTypeCase()) {
            case ADMIN_CONFIG -> {
                String id = common.getAdminConfig().getConfigId();
                if (id.isEmpty()) {
                    throw cp.field("admin_config").field("config_id").error("value length must be at least 1 characters");
                }
                yield new TapFilterConfig(id, null, tap.getRecordHeadersReceivedTime(), tap.getRecordDownstreamConnection());
            }
            case STATIC_CONFIG -> new TapFilterConfig(null, TapConfigTranslator.translate(common.getStaticConfig(), false,
                    cp.field("static_config"), ctx), tap.getRecordHeadersReceivedTime(), tap.getRecordDownstreamConnection());
            default -> throw cp.error("admin_config or static_config is required");
        };
    }

    @Override
    public HttpFilterFactory.Provider<TapFilterConfig> runtime() {
        return new TapFilterFactory.Provider();
    }
}

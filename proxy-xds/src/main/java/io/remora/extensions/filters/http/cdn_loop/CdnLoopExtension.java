package io.remora.extensions.filters.http.cdn_loop;

import io.envoyproxy.envoy.extensions.filters.http.cdn_loop.v3.CdnLoopConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/** {@code envoy.filters.http.cdn_loop}: RFC 8586 loop detection between CDNs. */
public final class CdnLoopExtension
        implements HttpFilterExtension<CdnLoopSettings> {

    private static final String TYPE = "envoy.extensions.filters.http.cdn_loop.v3.CdnLoopConfig";

    @Override
    public List<String> names() {
        return List.of(CdnLoopSettings.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of(TYPE);
    }

    @Override
    public CdnLoopSettings translate(TypedConfig config, FieldPath path,
                                                                           TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field");
        }
        CdnLoopConfig c = config.unpack(CdnLoopConfig.class, path);
        if (c.getCdnId().isEmpty()) {
            throw path.field("cdn_id").error("missing required field");
        }
        if (!CdnLoopParser.isCdnId(c.getCdnId())) {
            throw path.field("cdn_id").error("Provided cdn_id \"" + c.getCdnId() + "\" is not a valid CDN identifier");
        }
        return new CdnLoopSettings(c.getCdnId(),
                Integer.toUnsignedLong(c.getMaxAllowedOccurrences()));
    }

    @Override
    public HttpFilterFactory.Provider<CdnLoopSettings> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<CdnLoopSettings> configType() {
                return CdnLoopSettings.class;
            }

            @Override
            public HttpFilterFactory create(CdnLoopSettings config,
                                            ServerContext context) {
                return () -> new CdnLoopFilter(config);
            }
        };
    }
}

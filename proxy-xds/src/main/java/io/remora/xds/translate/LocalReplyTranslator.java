package io.remora.xds.translate;

import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.LocalReplyConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.ResponseMapper;
import io.remora.accesslog.AccessLogFormatter;
import io.remora.config.HeaderMutation;

import java.util.ArrayList;
import java.util.List;

/** {@code http_connection_manager.local_reply_config}: its mappers and body format. */
public final class LocalReplyTranslator {

    private LocalReplyTranslator() {
    }

    static io.remora.config.LocalReplyConfig translate(LocalReplyConfig c, FieldPath path, TranslationContext ctx) {
        List<io.remora.config.LocalReplyConfig.Mapper> mappers = new ArrayList<>(c.getMappersCount());
        for (int i = 0; i < c.getMappersCount(); i++) {
            mappers.add(mapper(c.getMappers(i), path.field("mappers").index(i), ctx));
        }
        return new io.remora.config.LocalReplyConfig(mappers,
                c.hasBodyFormat() ? bodyFormat(c.getBodyFormat(), path.field("body_format")) : null);
    }

    private static io.remora.config.LocalReplyConfig.Mapper mapper(ResponseMapper m, FieldPath path,
                                                                   TranslationContext ctx) {
        if (!m.hasFilter()) {
            throw path.field("filter").error("missing required field");
        }
        var filter = AccessLogFilterTranslator.translate(m.getFilter(), path.field("filter"), ctx);
        int status = 0;
        if (m.hasStatusCode()) {
            status = m.getStatusCode().getValue();
            if (status < 200 || status >= 600) {
                throw path.field("status_code").error("must be in [200, 600), got " + Integer.toUnsignedString(status));
            }
        }
        String body = m.hasBody() ? Protos.dataSource(m.getBody(), path.field("body")) : null;
        var override = m.hasBodyFormatOverride()
                ? bodyFormat(m.getBodyFormatOverride(), path.field("body_format_override")) : null;
        return new io.remora.config.LocalReplyConfig.Mapper(filter, status, body, override,
                headers(m.getHeadersToAddList(), path.field("headers_to_add"), ctx));
    }

    /** Envoy's HeaderParser rules: no pseudo-headers or Host, values with known operators only. */
    private static HeaderMutation headers(List<HeaderValueOption> add, FieldPath path, TranslationContext ctx) {
        HeaderMutation m = HeaderTranslator.mutation(add, List.of(), path, path);
        for (int i = 0; i < m.add().size(); i++) {
            HeaderMutation.HeaderValueOption o = m.add().get(i);
            if (o.key().startsWith(":") || o.key().equals("host")) {
                throw path.index(i).field("header").field("key").error(":-prefixed or host headers may not be"
                        + " modified");
            }
            HeaderTranslator.checkFormattedValue(o.value() == null ? "" : o.value(),
                    path.index(i).field("header").field("value"), ctx);
        }
        return m;
    }

    public static io.remora.config.LocalReplyConfig.BodyFormat bodyFormat(SubstitutionFormatString s,
                                                                           FieldPath path) {
        AccessLogTranslator.Format f = AccessLogTranslator.format(s, path);
        if (f.json() == null && f.text() == null) {
            throw path.error("one of text_format, text_format_source and json_format is required");
        }
        String text = f.text();
        try {
            if (f.json() != null) {
                AccessLogFormatter.json(f.json());
            } else {
                AccessLogFormatter.text(text);
            }
        } catch (IllegalArgumentException e) {
            throw path.field(f.json() != null ? "json_format" : "text_format").error(e.getMessage());
        }
        return new io.remora.config.LocalReplyConfig.BodyFormat(text, f.json(), s.getOmitEmptyValues(),
                s.getContentType().isEmpty() ? null : s.getContentType());
    }
}

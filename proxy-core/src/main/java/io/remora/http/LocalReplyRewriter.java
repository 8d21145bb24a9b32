package io.remora.http;

import io.netty.handler.codec.http2.EmptyHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.AccessLogFilters;
import io.remora.accesslog.AccessLogFormatter;
import io.remora.accesslog.StreamInfo;
import io.remora.config.LocalReplyConfig;
import io.remora.route.HeaderMutator;
import io.remora.runtime.Runtime;

import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A connection manager's {@code local_reply_config}, compiled: Envoy's {@code LocalReply::rewrite}.
 * The first mapper whose filter matches the reply may change its status, body and headers and
 * choose the body's format; the body is then formatted (with {@code %LOCAL_REPLY_BODY%} the body
 * so far). Runs on the worker, for local replies only.
 */
final class LocalReplyRewriter {

    /** What a rewrite decided; the headers were changed in place. */
    record Result(int status, String body, String contentType) {
    }

    private record Format(AccessLogFormatter formatter, String contentType) {
    }

    private record Mapper(Predicate<StreamInfo> filter, int status, String body, Format format,
                          HeaderMutator headers) {
    }

    private static final Format DEFAULT = new Format(AccessLogFormatter.text("%LOCAL_REPLY_BODY%"), "text/plain");

    private final Mapper[] mappers;
    private final Format format;

    private LocalReplyRewriter(Mapper[] mappers, Format format) {
        this.mappers = mappers;
        this.format = format;
    }

    /** Null when the connection manager has no local_reply_config (replies stay as they are made). */
    static LocalReplyRewriter of(LocalReplyConfig config, Supplier<Runtime> runtime) {
        if (config == null) {
            return null;
        }
        List<LocalReplyConfig.Mapper> ms = config.mappers();
        Mapper[] mappers = new Mapper[ms.size()];
        for (int i = 0; i < mappers.length; i++) {
            LocalReplyConfig.Mapper m = ms.get(i);
            mappers[i] = new Mapper(AccessLogFilters.compile(m.filter(), runtime), m.statusCode(), m.body(),
                    m.bodyFormatOverride() == null ? null : format(m.bodyFormatOverride()),
                    HeaderMutator.of(m.headersToAdd()));
        }
        return new LocalReplyRewriter(mappers, config.bodyFormat() == null ? DEFAULT : format(config.bodyFormat()));
    }

    private static Format format(LocalReplyConfig.BodyFormat f) {
        boolean json = f.jsonFormat() != null;
        AccessLogFormatter formatter = json ? AccessLogFormatter.json(f.jsonFormat(), f.omitEmptyValues())
                : AccessLogFormatter.text(f.textFormat() == null ? "" : f.textFormat(), f.omitEmptyValues());
        String contentType = f.contentType() != null && !f.contentType().isEmpty() ? f.contentType()
                : json ? "application/json" : "text/plain";
        return new Format(formatter, contentType);
    }

    /**
     * Rewrites the reply {@code s} is about to send, whose headers so far are {@code h} (its status
     * set). The filters see the reply's status as the stream's response code and {@code h} as its
     * response headers, as Envoy's do.
     */
    Result rewrite(ActiveStream s, Http2Headers h, int status, String body) {
        StreamInfo info = s.info;
        info.responseCode = status;
        info.responseHeaders = h;
        Http2Headers request = info.requestHeaders != null ? info.requestHeaders : EmptyHttp2Headers.INSTANCE;
        Format chosen = format;
        for (Mapper m : mappers) {
            if (!m.filter.test(info)) {
                continue;
            }
            if (m.body != null) {
                body = m.body;
            }
            m.headers.apply(h, request, s);
            if (m.status != 0 && m.status != status) {
                status = m.status;
                h.status(LocalReply.statusText(status));
                info.responseCode = status;
            }
            if (m.format != null) {
                chosen = m.format;
            }
            break;
        }
        info.localReplyBody(body);
        return new Result(status, chosen.formatter.format(info), chosen.contentType);
    }
}

package io.remora.extensions.filters.http.custom_response;

import io.netty.handler.codec.http2.EmptyHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.AccessLogFormatter;
import io.remora.accesslog.StreamInfo;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.upstream.HeaderConversion;
import io.remora.route.HeaderMutator;

import java.util.function.Consumer;

/**
 * Envoy's {@code LocalResponsePolicy}: the response is replaced by a local reply with the policy's
 * status (else the response's own), its body (formatted by {@code body_format}, which reads the
 * replaced response's headers and sees the body as {@code %LOCAL_REPLY_BODY%}) and headers. The
 * reply goes out as any local reply does (the connection manager's local_reply_config applies),
 * without passing the encoders again, so it is not custom-processed a second time.
 */
final class LocalResponse implements ResponsePolicy {

    private final int statusCode;
    private final String body;
    private final AccessLogFormatter formatter;
    private final HeaderMutator headers;

    LocalResponse(PolicyConfig.Local c) {
        this.statusCode = c.statusCode();
        this.body = c.body() == null ? "" : c.body();
        var f = c.bodyFormat();
        this.formatter = f == null ? null : f.jsonFormat() != null
                ? AccessLogFormatter.json(f.jsonFormat(), f.omitEmptyValues())
                : AccessLogFormatter.text(f.textFormat() == null ? "" : f.textFormat(), f.omitEmptyValues());
        this.headers = HeaderMutator.of(c.responseHeaders());
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers response, CustomResponseFilter filter) {
        EncoderFilterCallbacks cb = filter.encoderCallbacks();
        int code = statusCode;
        if (code == 0) {
            int own = HeaderConversion.parseStatus(response.status());
            code = own > 0 ? own : 500;
        }
        String text = body;
        if (formatter != null) {
            StreamInfo info = cb.streamInfo();
            info.responseHeaders = response;
            info.localReplyBody(text);
            text = formatter.format(info);
        }
        Http2Headers request = cb.requestHeaders() != null ? cb.requestHeaders() : EmptyHttp2Headers.INSTANCE;
        Consumer<Http2Headers> mutate = h -> headers.apply(h, request, cb.formatterContext());
        cb.sendLocalReply(code, text, null, "", mutate, -1);
        return FilterStatus.STOP_ITERATION;
    }
}

package io.remora.upstream.health;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.HealthCheckConfig;
import io.remora.upstream.Host;

/**
 * {@code http_health_check} with {@code codec_client_type: HTTP2}: the HTTP/1.1 check's request,
 * body and {@link HttpVerdict} as one HTTP/2 stream (h2c prior knowledge) per check.
 */
final class Http2HttpProbe extends Http2StreamProbe {
    private final HealthCheckConfig.Http config;
    private final HttpVerdict verdict;
    private final CheckHeaderAdditions additions;

    Http2HttpProbe(HealthChecker checker, Host host, HealthCheckConfig.Http config) {
        super(checker, host);
        this.config = config;
        this.verdict = new HttpVerdict(config);
        this.additions = new CheckHeaderAdditions(config.requestHeadersToAdd());
    }

    @Override
    Http2Headers requestHeaders(boolean tls) {
        return HttpProbe.requestHeaders(checker, host, config, additions, "HTTP/2", tls);
    }

    @Override
    ByteBuf requestBody() {
        byte[] payload = verdict.requestBody();
        return payload == null ? null : Unpooled.wrappedBuffer(payload);
    }

    @Override
    void judge(int status, Http2Headers headers, Http2Headers trailers, ByteBuf body, Outcome o) {
        long wanted = verdict.bodyBytesWanted();
        int n = wanted < 0 ? body.readableBytes() : (int) Math.min(body.readableBytes(), wanted);
        verdict.judge(status, headers::get, ByteBufUtil.getBytes(body, body.readerIndex(), n), checker, o);
    }
}

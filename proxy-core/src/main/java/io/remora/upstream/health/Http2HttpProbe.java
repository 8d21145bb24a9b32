package io.remora.upstream.health;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.HealthCheckConfig;
import io.remora.upstream.Host;

/**
 * {@code http_health_check} with {@code codec_client_type: HTTP2}: the HTTP/1.1 check's request
 * and verdicts (expected, retriable, {@code x-envoy-degraded}) as one HTTP/2 stream (h2c prior
 * knowledge) per check.
 */
final class Http2HttpProbe extends Http2StreamProbe {
    private final HealthCheckConfig.Http config;

    Http2HttpProbe(HealthChecker checker, Host host, HealthCheckConfig.Http config) {
        super(checker, host);
        this.config = config;
    }

    @Override
    Http2Headers requestHeaders() {
        return HttpProbe.requestHeaders(checker, config);
    }

    @Override
    ByteBuf requestBody() {
        return null;
    }

    @Override
    void judge(int status, Http2Headers headers, Http2Headers trailers, ByteBuf body, Outcome o) {
        if (config.expected(status)) {
            o.success(headers.contains("x-envoy-degraded"));
        } else {
            o.failure(FailureType.ACTIVE, config.retriable(status));
        }
    }
}

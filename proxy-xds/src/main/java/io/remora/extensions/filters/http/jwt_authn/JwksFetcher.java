package io.remora.extensions.filters.http.jwt_authn;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.extensions.filters.http.common.ClusterCall;
import io.remora.log.Logging;
import io.remora.server.ServerContext;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Envoy's JWKS fetcher: a GET of {@code http_uri.uri} through {@code http_uri.cluster}, retried
 * per {@code retry_policy} on 5xx, resets and connect failures. Only a 200 whose body holds at
 * least one usable key is a key set; anything else is a failed fetch.
 */
final class JwksFetcher {

    private static final Logger LOG = Logging.logger("jwt");

    private final RemoteJwksConfig config;
    private final ServerContext context;

    JwksFetcher(RemoteJwksConfig config, ServerContext context) {
        this.config = config;
        this.context = context;
    }

    /** Fetches on {@code loop} (which must be the caller's); {@code done} gets the keys, or null. */
    void fetch(EventLoop loop, Consumer<JwksKeys> done) {
        attempt(loop, 0, done);
    }

    private void attempt(EventLoop loop, int retriesDone, Consumer<JwksKeys> done) {
        Http2Headers h = new DefaultHttp2Headers(false);
        h.method("GET").path(config.path()).authority(config.authority()).scheme("http");
        ClusterCall.start(loop, context, config.cluster(), UpstreamProtocol.HTTP1, h, null, config.timeout(), r -> {
            int status = r.status();
            if (status == 200) {
                JwksKeys keys = JwksKeys.parse(new String(r.body(), StandardCharsets.UTF_8));
                if (keys.keys().isEmpty()) {
                    // Retrying would fetch the same document; the cache's own refetch will try later.
                    LOG.warning("jwks from " + config.uri() + ": " + keys.problem());
                    done.accept(null);
                } else {
                    done.accept(keys);
                }
                return;
            }
            boolean retriable = r.headers() == null || status >= 500;
            RemoteJwksConfig.Retry retry = config.retry();
            if (retriable && retry != null && retriesDone < retry.numRetries()) {
                loop.schedule(() -> attempt(loop, retriesDone + 1, done), backoffNanos(retry, retriesDone),
                        TimeUnit.NANOSECONDS);
                return;
            }
            LOG.warning("jwks fetch from " + config.uri() + " failed: "
                    + (r.headers() == null ? r.failure() : "status " + status));
            done.accept(null);
        });
    }

    /** Envoy's jittered exponential back-off: uniform below base * 2^n, capped at the maximum. */
    private static long backoffNanos(RemoteJwksConfig.Retry retry, int n) {
        long base = retry.baseInterval().toNanos();
        long ceiling = Math.min(retry.maxInterval().toNanos(), base << Math.min(n, 20));
        return ThreadLocalRandom.current().nextLong(Math.max(1, ceiling));
    }
}

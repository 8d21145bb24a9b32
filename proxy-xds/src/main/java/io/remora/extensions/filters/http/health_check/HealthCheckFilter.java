package io.remora.extensions.filters.http.health_check;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.accesslog.ResponseFlag;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;
import io.remora.route.CompiledHeaderMatcher;
import io.remora.server.ServerContext;
import io.remora.upstream.Cluster;

import java.util.Map;

/**
 * {@code envoy.filters.http.health_check} for one stream, as Envoy's. A request whose headers all
 * match is a health check. Outside pass-through mode it is always answered here, and so is it in
 * pass-through mode while the server fails its health checks or a cached answer is fresh:
 * <ul>
 *   <li>503 {@code health_check_failed} (flag LH) after the admin's {@code /healthcheck/fail};</li>
 *   <li>the cached status, with {@code x-envoy-degraded} if the upstream said so;</li>
 *   <li>503 when a cluster of {@code cluster_min_healthy_percentages} is unknown, empty (unless its
 *       minimum is 0) or has fewer healthy or degraded hosts than its minimum; else 200.</li>
 * </ul>
 * Health-check responses, local or the upstream's, carry {@code x-envoy-upstream-healthchecked-cluster}
 * (this proxy's {@code --service-cluster}); while the server fails its health checks every other
 * response carries {@code x-envoy-immediate-health-check-fail: true}. The stream is marked a health
 * check for access logs' {@code not_health_check_filter}.
 */
final class HealthCheckFilter implements StreamFilter {

    static final AsciiString HEALTHCHECKED_CLUSTER = AsciiString.cached("x-envoy-upstream-healthchecked-cluster");
    static final AsciiString IMMEDIATE_FAIL = AsciiString.cached("x-envoy-immediate-health-check-fail");
    static final AsciiString DEGRADED = AsciiString.cached("x-envoy-degraded");

    private final HealthCheckFilterConfig config;
    private final CompiledHeaderMatcher[] matchers;
    private final HealthCheckCache cache;
    private final ServerContext context;
    private DecoderFilterCallbacks decoder;
    private boolean healthCheck;
    private boolean handling;

    HealthCheckFilter(HealthCheckFilterConfig config, CompiledHeaderMatcher[] matchers, HealthCheckCache cache,
                      ServerContext context) {
        this.config = config;
        this.matchers = matchers;
        this.cache = cache;
        this.context = context;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.decoder = callbacks;
    }

    @Override
    public void setEncoderFilterCallbacks(EncoderFilterCallbacks callbacks) {
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        for (CompiledHeaderMatcher m : matchers) {
            if (!m.matches(headers)) {
                return FilterStatus.CONTINUE;
            }
        }
        healthCheck = true;
        decoder.streamInfo().healthCheck(true);
        handling = !config.passThrough() || context.healthCheckFailed()
                || (cache != null && cache.fresh(System.nanoTime()) != null);
        if (!handling) {
            return FilterStatus.CONTINUE;
        }
        if (endStream) {
            answer();
        }
        return FilterStatus.STOP_ITERATION;
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean endStream) {
        if (!handling) {
            return FilterStatus.CONTINUE;
        }
        // a health check's body is not read: dropped, and answered at its end
        data.release();
        if (endStream) {
            answer();
        }
        return FilterStatus.STOP_ITERATION;
    }

    @Override
    public FilterStatus decodeTrailers(Http2Headers trailers) {
        if (!handling) {
            return FilterStatus.CONTINUE;
        }
        answer();
        return FilterStatus.STOP_ITERATION;
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        if (healthCheck) {
            if (cache != null && !handling) {
                cache.put(status(headers), headers.contains(DEGRADED), System.nanoTime());
            }
            headers.set(HEALTHCHECKED_CLUSTER, context.node().cluster());
        } else if (context.healthCheckFailed()) {
            headers.set(IMMEDIATE_FAIL, "true");
        }
        return FilterStatus.CONTINUE;
    }

    private void answer() {
        if (context.healthCheckFailed()) {
            decoder.sendLocalReply(503, "", ResponseFlag.FAILED_LOCAL_HEALTH_CHECK, "health_check_failed");
            return;
        }
        HealthCheckCache.Answer cached = cache == null ? null : cache.fresh(System.nanoTime());
        if (cached != null) {
            reply(cached.status(), "health_check_cached", cached.degraded());
            return;
        }
        String details = "health_check_ok";
        int status = 200;
        for (Map.Entry<String, Long> e : config.minHealthyPercent().entrySet()) {
            details = "health_check_ok_cluster_healthy";
            Cluster cluster = context.clusterManager().get(e.getKey());
            long min = e.getValue();
            if (cluster == null) {
                status = 503;
                details = "health_check_failed_no_cluster_found";
                break;
            }
            long total = cluster.stats().membershipTotal.get();
            if (total == 0) {
                if (min == 0) {
                    continue;
                }
                status = 503;
                details = "health_check_failed_cluster_empty";
                break;
            }
            // Envoy's filter counts healthy + degraded hosts
            long available = cluster.stats().membershipHealthy.get() + cluster.stats().membershipDegraded.get();
            if (100 * available < total * min) {
                status = 503;
                details = "health_check_failed_cluster_unhealthy";
                break;
            }
        }
        reply(status, details, false);
    }

    private void reply(int status, String details, boolean degraded) {
        ResponseFlag flag = status >= 200 && status < 300 ? null : ResponseFlag.FAILED_LOCAL_HEALTH_CHECK;
        decoder.sendLocalReply(status, "", flag, details, degraded ? h -> h.set(DEGRADED, "") : null, -1);
    }

    private static int status(Http2Headers headers) {
        CharSequence s = headers.status();
        try {
            return s == null ? 0 : Integer.parseInt(s.toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}

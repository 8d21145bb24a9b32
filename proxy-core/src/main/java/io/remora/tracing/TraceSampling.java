package io.remora.tracing;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.Route;
import io.remora.config.TracingConfig;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The connection manager's tracing decision, as Envoy's mutateTracingRequestHeader makes it with
 * the UUID request id extension. Apart from the filter: the decision is made once per request and
 * again whenever its route is looked up again, and every tracer reads it its own way.
 */
final class TraceSampling {

    private static final AsciiString FORCE_TRACE = AsciiString.cached("x-envoy-force-trace");
    private static final AsciiString CLIENT_TRACE_ID = AsciiString.cached("x-client-trace-id");
    private static final AsciiString REQUEST_ID = AsciiString.cached("x-request-id");

    private TraceSampling() {
    }

    /**
     * A reason already packed in x-request-id stands (another Envoy or Remora decided), read only
     * with pack_trace_reason on (Envoy's getTraceReason); otherwise a client trace id
     * (client_sampling), x-envoy-force-trace, or random_sampling by the id's bucket decide;
     * overall_sampling, by the same bucket, vetoes a traced request. Each change of the reason is
     * packed back into the id the upstream sees (unless pack_trace_reason is off): an untraced id
     * nothing changed goes on as it came, whatever its 15th character. Without a UUID-like id
     * nothing is traced, as in Envoy; with use_request_id_for_trace_sampling off every request is
     * traced, the tracer's own sampler deciding, as Envoy's Reason::Sampling. The route's
     * {@code tracing} (null for none) replaces the connection manager's percentages.
     */
    static RequestIdTraceReason decide(Http2Headers h, TracingConfig config, Route.Tracing routeTracing) {
        if (!config.requestIdSampling()) {
            return RequestIdTraceReason.SAMPLING;
        }
        CharSequence rid = h.get(REQUEST_ID);
        int bucket = RequestIdTraceReason.bucket(rid);
        if (bucket < 0) {
            return RequestIdTraceReason.NOT_TRACEABLE;
        }
        RequestIdTraceReason reason = config.packTraceReason() ? RequestIdTraceReason.of(rid)
                : RequestIdTraceReason.NOT_TRACEABLE;
        boolean changed = false;
        if (reason == RequestIdTraceReason.NOT_TRACEABLE) {
            if (h.contains(CLIENT_TRACE_ID)
                    && percent(routeTracing != null ? routeTracing.clientSampling() : config.clientSampling(),
                    ThreadLocalRandom.current().nextInt(10_000))) {
                reason = RequestIdTraceReason.CLIENT_FORCED;
            } else if (h.contains(FORCE_TRACE)) {
                reason = RequestIdTraceReason.SERVICE_FORCED;
            } else if (percent(routeTracing != null ? routeTracing.randomSampling() : config.randomSampling(),
                    bucket)) {
                reason = RequestIdTraceReason.SAMPLING;
            }
            changed = reason != RequestIdTraceReason.NOT_TRACEABLE;
        }
        if (reason != RequestIdTraceReason.NOT_TRACEABLE
                && !percent(routeTracing != null ? routeTracing.overallSampling() : config.overallSampling(), bucket)) {
            reason = RequestIdTraceReason.NOT_TRACEABLE;
            changed = true;
        }
        if (changed && config.packTraceReason()) {
            CharSequence packed = reason.packInto(rid);
            if (packed != rid) {
                h.set(REQUEST_ID, packed);
            }
        }
        return reason;
    }

    /** True when bucket (0..9999) falls under the percentage (two decimals, as Envoy's 10000 buckets). */
    private static boolean percent(double pct, int bucket) {
        return bucket < Math.round(pct * 100);
    }
}

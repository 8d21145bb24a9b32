package io.remora.extensions.filters.http.admission_control;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.extensions.filters.common.Numbers;
import io.remora.extensions.filters.http.common.GrpcMessageBuffer;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;
import io.remora.runtime.Runtime;

import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code envoy.filters.http.admission_control} for one stream, as Envoy's AdmissionControlFilter:
 * unless the worker's recent RPS is below {@code rps_threshold}, the request is rejected (503,
 * empty body, details {@code denied_by_admission_control}) with probability
 * {@code min(max_rejection_probability, ((n - s / sr_threshold) / (n + 1)) ^ (1 / aggression))}
 * over the worker's sampling window. Admitted requests are recorded as a success or a failure from
 * the response's HTTP status, or its gRPC status (in the headers, else the trailers). Rejected and
 * health-check requests are not recorded, so the probability falls back once upstreams recover.
 */
final class AdmissionControlFilter implements StreamFilter {

    static final String DETAILS = "denied_by_admission_control";
    private static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    private static final AsciiString CONTENT_TYPE = AsciiString.cached("content-type");
    /** Envoy decides with four significant figures. */
    private static final int ACCURACY = 10_000;

    private final AdmissionControlFilterFactory factory;
    private DecoderFilterCallbacks decoder;
    private AdmissionWindow window;
    private AdmissionControlStats stats;
    private boolean record;
    private boolean grpcStatusInTrailers;

    AdmissionControlFilter(AdmissionControlFilterFactory factory) {
        this.factory = factory;
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
        AdmissionControlConfig config = factory.config;
        Runtime runtime = decoder.serverContext().runtime();
        if (!config.enabled().enabled(runtime) || decoder.streamInfo().healthCheck()) {
            return FilterStatus.CONTINUE;
        }
        record = true;
        window = factory.window(decoder.eventLoop());
        stats = factory.stats(decoder.connectionManagerStats().prefix());
        long now = System.nanoTime();
        if (window.averageRps(now) < (long) config.rpsThreshold().value(runtime)) {
            return FilterStatus.CONTINUE;
        }
        if (shouldReject(config, runtime, now)) {
            record = false;
            stats.rejected.increment();
            decoder.sendLocalReply(503, "", null, DETAILS);
            return FilterStatus.STOP_ITERATION;
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        if (!record) {
            return FilterStatus.CONTINUE;
        }
        long status = Numbers.unsigned(headers.status(), 31);
        if (isGrpc(headers, status, endStream)) {
            CharSequence grpc = headers.get(GRPC_STATUS);
            if (grpc == null) {
                grpcStatusInTrailers = true;
                return FilterStatus.CONTINUE;
            }
            recordResult(factory.config.criteria().isGrpcSuccess(Numbers.unsigned(grpc, 31)));
        } else {
            recordResult(factory.config.criteria().isHttpSuccess((int) status));
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeTrailers(Http2Headers trailers) {
        if (grpcStatusInTrailers) {
            grpcStatusInTrailers = false;
            recordResult(factory.config.criteria().isGrpcSuccess(Numbers.unsigned(trailers.get(GRPC_STATUS), 31)));
        }
        return FilterStatus.CONTINUE;
    }

    private void recordResult(boolean success) {
        record = false;
        window.record(success, System.nanoTime());
        (success ? stats.success : stats.failure).increment();
    }

    private boolean shouldReject(AdmissionControlConfig config, Runtime runtime, long now) {
        double total = window.requests(now);
        double successes = window.successes();
        double threshold = Math.min(config.srThreshold().value(runtime), 100.0) / 100.0;
        double probability = (total - successes / threshold) / (total + 1);
        if (!(probability > 0)) {
            return false;
        }
        double aggression = Math.max(1.0, config.aggression().value(runtime));
        if (aggression != 1.0) {
            probability = Math.pow(probability, 1.0 / aggression);
        }
        probability = Math.min(probability, config.maxRejection().value(runtime) / 100.0);
        return ACCURACY * probability > ThreadLocalRandom.current().nextInt(ACCURACY);
    }

    /** Envoy's isGrpcResponseHeaders: trailers-only needs grpc-status; else a 200 of gRPC content. */
    private static boolean isGrpc(Http2Headers headers, long status, boolean endStream) {
        if (endStream) {
            return headers.contains(GRPC_STATUS);
        }
        return status == 200 && GrpcMessageBuffer.isGrpcContentType(headers.get(CONTENT_TYPE));
    }
}

package io.remora.extensions.filters.http.ratelimit;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UInt64Value;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.netty.channel.EventLoop;
import io.remora.extensions.filters.common.FilterProtos;
import io.remora.extensions.filters.http.common.ClusterCall;
import io.remora.extensions.filters.http.common.DescriptorEntry;
import io.remora.extensions.filters.http.common.GrpcUnaryCall;
import io.remora.http.upstream.Cancellable;
import io.remora.server.ServerContext;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Envoy's rate limit gRPC client: one unary {@code ShouldRateLimit} per request (or connection).
 * A call that fails at any level is an error; an answer is over the limit only when its
 * overall_code says OVER_LIMIT (UNKNOWN counts as OK, as in Envoy's release builds).
 */
public final class RateLimitClient {

    static final String PATH = "/envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit";

    private final RlsConfig config;

    public RateLimitClient(RlsConfig config) {
        this.config = config;
    }

    public Cancellable limit(RateLimitRequest request, EventLoop loop, ServerContext context,
                             Consumer<LimitResult> done) {
        return GrpcUnaryCall.start(loop, context, config.cluster(), config.authority(), config.initialMetadata(),
                !config.skipEnvoyHeaders(), PATH, request.toByteArray(), config.timeout(), config.retryPolicy(),
                r -> done.accept(result(r, config.maxReceiveMessageLength())));
    }

    /**
     * The request for these descriptors; {@code hitsAddends[i]} above 0 is descriptor i's own
     * hits_addend, {@code limits[i]} (when limits is not null) its limit override, {@code hitsAddend}
     * above 0 the request's.
     */
    public static RateLimitRequest request(String domain, List<List<DescriptorEntry>> descriptors, long[] hitsAddends,
                                           RateLimitDescriptor.RateLimitOverride[] limits, long hitsAddend) {
        RateLimitRequest.Builder b = RateLimitRequest.newBuilder().setDomain(domain);
        for (int i = 0; i < descriptors.size(); i++) {
            RateLimitDescriptor.Builder d = b.addDescriptorsBuilder();
            for (DescriptorEntry e : descriptors.get(i)) {
                d.addEntriesBuilder().setKey(e.key()).setValue(e.value());
            }
            if (hitsAddends != null && hitsAddends[i] > 0) {
                d.setHitsAddend(UInt64Value.of(hitsAddends[i]));
            }
            if (limits != null && limits[i] != null) {
                d.setLimit(limits[i]);
            }
        }
        if (hitsAddend > 0) {
            b.setHitsAddend((int) hitsAddend);
        }
        return b.build();
    }

    /** @param maxLength envoy_grpc.max_receive_message_length: a longer answer is an error; 0: no limit */
    static LimitResult result(ClusterCall.Response r, int maxLength) {
        ByteBuffer message = GrpcUnaryCall.message(r, maxLength);
        if (message == null) {
            return LimitResult.ERROR;
        }
        RateLimitResponse resp;
        try {
            resp = RateLimitResponse.parseFrom(message);
        } catch (InvalidProtocolBufferException e) {
            return LimitResult.ERROR;
        }
        LimitResult.Status status = resp.getOverallCode() == RateLimitResponse.Code.OVER_LIMIT
                ? LimitResult.Status.OVER_LIMIT : LimitResult.Status.OK;
        Map<String, Object> metadata = resp.hasDynamicMetadata() ? FilterProtos.plain(resp.getDynamicMetadata()) : Map.of();
        return new LimitResult(status, resp.getStatusesList(), headers(resp.getResponseHeadersToAddList()),
                headers(resp.getRequestHeadersToAddList()), resp.getRawBody().toString(StandardCharsets.UTF_8), metadata);
    }

    private static List<Map.Entry<String, String>> headers(List<HeaderValue> in) {
        if (in.isEmpty()) {
            return List.of();
        }
        List<Map.Entry<String, String>> out = new ArrayList<>(in.size());
        for (HeaderValue h : in) {
            out.add(Map.entry(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
        }
        return out;
    }
}

package io.remora.extensions.filters.http.ext_proc;

import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.extensions.filters.http.ext_authz.StructValues;

import java.util.Map;

/**
 * Applies the processor's answers to a filter, as Envoy's ext_proc (onReceiveMessage and the
 * ProcessorState handlers): an answer that does not match what was asked is spurious; a mutation
 * the rules make fatal ends the request with a 500.
 */
final class ExtProcResponses {

    /** Null when the answer was applied. */
    private record Outcome(boolean spurious, String error) {
        static Outcome spurious(String why) {
            return new Outcome(true, why);
        }

        static Outcome error(String why) {
            return new Outcome(false, why);
        }
    }

    private static final int DEFAULT_IMMEDIATE_STATUS = 200;

    private ExtProcResponses() {
    }

    static void handle(ExtProcFilter f, ProcessingResponse r) {
        if (f.config.allowModeOverride() && r.hasModeOverride()
                && (f.requestPhase.awaiting == ExtProcPhase.Awaiting.HEADERS
                || f.responsePhase.awaiting == ExtProcPhase.Awaiting.HEADERS)) {
            overrideMode(f, r.getModeOverride());
        }
        ExtProcPhase phase;
        Outcome outcome;
        switch (r.getResponseCase()) {
            case REQUEST_HEADERS, RESPONSE_HEADERS -> {
                phase = r.hasRequestHeaders() ? f.requestPhase : f.responsePhase;
                receiveMetadata(f, r);
                outcome = headers(f, phase, r.hasRequestHeaders() ? r.getRequestHeaders().getResponse()
                        : r.getResponseHeaders().getResponse());
            }
            case REQUEST_BODY, RESPONSE_BODY -> {
                phase = r.hasRequestBody() ? f.requestPhase : f.responsePhase;
                receiveMetadata(f, r);
                outcome = body(f, phase, r.hasRequestBody() ? r.getRequestBody().getResponse()
                        : r.getResponseBody().getResponse());
            }
            case REQUEST_TRAILERS, RESPONSE_TRAILERS -> {
                phase = r.hasRequestTrailers() ? f.requestPhase : f.responsePhase;
                receiveMetadata(f, r);
                outcome = trailers(f, phase, r.hasRequestTrailers() ? r.getRequestTrailers().getHeaderMutation()
                        : r.getResponseTrailers().getHeaderMutation());
            }
            case IMMEDIATE_RESPONSE -> {
                if (f.config.disableImmediateResponse()) {
                    phase = null;
                    outcome = Outcome.spurious("unhandled immediate response due to config disabled it");
                } else {
                    receiveMetadata(f, r);
                    f.stats.streamMsgsReceived.increment();
                    immediate(f, r.getImmediateResponse());
                    return;
                }
            }
            default -> {
                phase = null;
                outcome = Outcome.spurious("unhandled message");
            }
        }
        if (outcome == null) {
            f.stats.streamMsgsReceived.increment();
            phase.answered();
        } else if (outcome.spurious()) {
            f.stats.spuriousMsgsReceived.increment();
            if (f.mayFailOpen()) {
                f.stats.failureModeAllowed.increment();
                f.stream.close();
                f.giveUp();
            } else {
                f.fail(500, outcome.error());
            }
        } else {
            f.stats.streamMsgsReceived.increment();
            f.fail(500, outcome.error());
        }
    }

    private static Outcome headers(ExtProcFilter f, ExtProcPhase phase, CommonResponse c) {
        if (phase.awaiting != ExtProcPhase.Awaiting.HEADERS) {
            return Outcome.spurious("spurious message");
        }
        if (c.getStatus() == CommonResponse.ResponseStatus.CONTINUE_AND_REPLACE) {
            // The chunks a FULL_DUPLEX_STREAMED body already sent are dropped with the rest (as Envoy).
            phase.duplex = null;
            return replace(f, phase, c);
        }
        Outcome o = common(f, phase, c);
        if (o == null && phase.duplex != null) {
            phase.duplex.headersAnswered();
        }
        return o;
    }

    /**
     * CONTINUE_AND_REPLACE (Envoy's handleHeadersResponse): the header mutation (which may set
     * {@code :method}), then the body mutation as the whole body; nothing more of this direction
     * goes to the processor.
     */
    private static Outcome replace(ExtProcFilter f, ExtProcPhase phase, CommonResponse c) {
        Outcome o = common(f, phase, c);
        if (o != null) {
            return o;
        }
        f.setMode(f.mode().replaced(phase.request));
        if (c.hasBodyMutation()) {
            BodyMutation m = c.getBodyMutation();
            phase.replaceBody(m.getMutationCase() == BodyMutation.MutationCase.BODY
                    ? Unpooled.wrappedBuffer(m.getBody().toByteArray())
                    : m.getClearBody() ? Unpooled.EMPTY_BUFFER : null);
        }
        return null;
    }

    private static Outcome body(ExtProcFilter f, ExtProcPhase phase, CommonResponse c) {
        if (phase.duplex != null) {
            String why = phase.duplex.body(c);
            if (why != null) {
                return Outcome.spurious(why);
            }
            clearRouteCache(f, phase, c);
            return null;
        }
        if (phase.awaiting != ExtProcPhase.Awaiting.BODY) {
            return Outcome.spurious("spurious message");
        }
        if (phase.streaming()) {
            // STREAMED (Envoy's StreamedBodyCallback): only the chunk can change.
            ByteBuf chunk = phase.answeredChunk();
            if (c.hasBodyMutation()) {
                chunk = mutate(chunk, c.getBodyMutation());
            }
            clearRouteCache(f, phase, c);
            phase.forwardChunk(chunk);
            return null;
        }
        Outcome o = common(f, phase, c);
        if (o == null && c.hasBodyMutation() && phase.body != null) {
            replaceBody(phase, c.getBodyMutation());
        }
        return o;
    }

    /** The chunk as {@code m} leaves it: replaced, cleared, or unchanged. */
    private static ByteBuf mutate(ByteBuf chunk, BodyMutation m) {
        if (m.getMutationCase() == BodyMutation.MutationCase.BODY) {
            chunk.release();
            return Unpooled.wrappedBuffer(m.getBody().toByteArray());
        }
        if (m.getClearBody()) {
            chunk.release();
            return Unpooled.EMPTY_BUFFER;
        }
        return chunk;
    }

    private static void replaceBody(ExtProcPhase phase, BodyMutation m) {
        CompositeByteBuf replaced = phase.body.alloc().compositeBuffer();
        if (m.getMutationCase() == BodyMutation.MutationCase.BODY && !m.getBody().isEmpty()) {
            replaced.addComponent(true, Unpooled.wrappedBuffer(m.getBody().toByteArray()));
        } else if (m.getMutationCase() != BodyMutation.MutationCase.BODY && !m.getClearBody()) {
            replaced.release();
            return;
        }
        phase.body.release();
        phase.body = replaced;
        // The headers are still held: their length must describe the new body, or, when more of
        // it follows unprocessed (BUFFERED_PARTIAL past the limit), go.
        if (phase.headers != null && phase.headers.contains("content-length")) {
            if (phase.bodyWhole()) {
                phase.headers.set("content-length", Integer.toString(replaced.readableBytes()));
            } else {
                phase.headers.remove("content-length");
            }
        }
    }

    private static Outcome trailers(ExtProcFilter f, ExtProcPhase phase, HeaderMutation m) {
        String spurious = phase.duplex != null ? phase.duplex.acceptTrailers()
                : phase.awaiting != ExtProcPhase.Awaiting.TRAILERS ? "spurious message" : null;
        if (spurious != null) {
            return Outcome.spurious(spurious);
        }
        String err = ExtProcMessages.apply(m, phase.trailers, false, false, f.config.mutationRules(),
                f.stats.rejectedHeaderMutations, phase.request ? io.remora.http.InlineHeaders.Kind.REQUEST_TRAILERS
                        : io.remora.http.InlineHeaders.Kind.RESPONSE_TRAILERS);
        if (err != null) {
            return Outcome.error(err);
        }
        if (phase.duplex != null) {
            phase.duplex.trailersAnswered();
        }
        return null;
    }

    private static Outcome common(ExtProcFilter f, ExtProcPhase phase, CommonResponse c) {
        if (c.hasHeaderMutation() && phase.headers != null) {
            // CONTINUE_AND_REPLACE elsewhere than in a headers answer changes only this (as Envoy).
            String err = ExtProcMessages.apply(c.getHeaderMutation(), phase.headers, phase.request,
                    c.getStatus() == CommonResponse.ResponseStatus.CONTINUE_AND_REPLACE, f.config.mutationRules(),
                    f.stats.rejectedHeaderMutations);
            if (err != null) {
                return Outcome.error(err);
            }
        }
        clearRouteCache(f, phase, c);
        return null;
    }

    /**
     * Envoy's DecodingProcessorState::clearRouteCache: only an answer that mutates headers may clear the
     * route; {@code disable_clear_route_cache} is RETAIN. A response's answer changes nothing and counts
     * nothing (Envoy's encoding state has no such step).
     */
    private static void clearRouteCache(ExtProcFilter f, ExtProcPhase phase, CommonResponse c) {
        if (!phase.request) {
            return;
        }
        boolean asked = c.getClearRouteCache();
        if (!c.hasHeaderMutation()) {
            if (asked) {
                f.stats.clearRouteCacheIgnored.increment();
            }
            return;
        }
        var action = f.config.disableClearRouteCache() ? ExtProcConfig.RouteCacheAction.RETAIN
                : f.config.routeCacheAction();
        switch (action) {
            case CLEAR -> f.cb.clearRouteCache();
            case RETAIN -> {
                if (asked) {
                    f.stats.clearRouteCacheDisabled.increment();
                }
            }
            case DEFAULT -> {
                if (asked) {
                    f.cb.clearRouteCache();
                }
            }
        }
    }

    private static void receiveMetadata(ExtProcFilter f, ProcessingResponse r) {
        if (f.receivingNamespaces.isEmpty() || !r.hasDynamicMetadata()) {
            return;
        }
        for (Map.Entry<String, Object> ns : StructValues.toMap(r.getDynamicMetadata()).entrySet()) {
            if (f.receivingNamespaces.contains(ns.getKey()) && ns.getValue() instanceof Map<?, ?> values) {
                for (Map.Entry<?, ?> e : values.entrySet()) {
                    f.cb.streamInfo().setDynamicMetadata(ns.getKey(), e.getKey().toString(), e.getValue());
                }
            }
        }
    }

    private static void immediate(ExtProcFilter f, ImmediateResponse r) {
        int status = r.hasStatus() ? r.getStatus().getCodeValue() : DEFAULT_IMMEDIATE_STATUS;
        if (status < 200 || status > 599) {
            status = DEFAULT_IMMEDIATE_STATUS;
        }
        f.stopProcessing();
        HeaderMutation m = r.hasHeaders() ? r.getHeaders() : null;
        f.cb.sendLocalReply(status, r.getBody().toStringUtf8(), null, r.getDetails().replaceAll("\\s", "_"),
                m == null ? null : (Http2Headers h) -> ExtProcMessages.apply(m, h, false, f.config.mutationRules(),
                        f.stats.rejectedHeaderMutations),
                r.hasGrpcStatus() ? r.getGrpcStatus().getStatus() : -1);
    }

    /** The processor's {@code mode_override} on top of the filter's configured mode (Envoy's effectiveModeOverride). */
    private static void overrideMode(ExtProcFilter f, ProcessingMode o) {
        ExtProcMode.Body requestBody = ExtProcExtension.body(o.getRequestBodyMode());
        ExtProcMode.Body responseBody = ExtProcExtension.body(o.getResponseBodyMode());
        ExtProcMode base = f.config.mode();
        if (requestBody == null || responseBody == null || newlyDuplex(requestBody, base.requestBody())
                || newlyDuplex(responseBody, base.responseBody())) {
            // Only the config makes a body FULL_DUPLEX_STREAMED (its trailer and fail-closed rules are checked there).
            return;
        }
        ExtProcMode m = new ExtProcMode(
                header(o.getRequestHeaderMode(), base.requestHeaders()),
                requestBody,
                header(o.getRequestTrailerMode(), base.requestTrailers()),
                header(o.getResponseHeaderMode(), base.responseHeaders()),
                responseBody,
                header(o.getResponseTrailerMode(), base.responseTrailers()));
        if (!f.config.allowedOverrideModes().isEmpty()
                && f.config.allowedOverrideModes().stream().noneMatch(a -> sameIgnoringRequestHeaders(a, m))) {
            return;
        }
        f.setMode(m);
    }

    private static boolean newlyDuplex(ExtProcMode.Body override, ExtProcMode.Body configured) {
        return override == ExtProcMode.Body.FULL_DUPLEX_STREAMED && configured != ExtProcMode.Body.FULL_DUPLEX_STREAMED;
    }

    private static boolean header(ProcessingMode.HeaderSendMode m, boolean current) {
        return switch (m) {
            case SEND -> true;
            case SKIP -> false;
            default -> current;
        };
    }

    private static boolean sameIgnoringRequestHeaders(ExtProcMode a, ExtProcMode b) {
        return a.requestBody() == b.requestBody() && a.requestTrailers() == b.requestTrailers()
                && a.responseHeaders() == b.responseHeaders() && a.responseBody() == b.responseBody()
                && a.responseTrailers() == b.responseTrailers();
    }

    static void overrideTimeout(ExtProcFilter f, com.google.protobuf.Duration d) {
        long ms = d.getSeconds() * 1000 + d.getNanos() / 1_000_000;
        if (ms < 1 || ms > f.config.maxMessageTimeout().toMillis() || !f.restartTimer(ms * 1_000_000)) {
            f.stats.overrideMessageTimeoutIgnored.increment();
            return;
        }
        f.stats.overrideMessageTimeoutReceived.increment();
    }
}

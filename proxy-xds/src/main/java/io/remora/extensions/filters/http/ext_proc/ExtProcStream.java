package io.remora.extensions.filters.http.ext_proc;

import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpTrailers;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProtocolConfiguration;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.extensions.filters.http.common.GrpcCalls;
import io.remora.extensions.filters.http.common.GrpcClusterStream;
import io.remora.extensions.filters.http.ext_authz.GrpcServiceConfig;
import io.remora.extensions.filters.http.ext_authz.StructValues;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One request's {@code ExternalProcessor/Process} stream, towards the processor: opened with the
 * first message (with the service's and the route's initial metadata), every message carrying
 * the forwarded dynamic metadata namespaces, the first one the protocol configuration, the first
 * of each direction the configured attributes; its
 * half-close once nothing more will be sent. What comes back is the {@link ExtProcFilter}'s.
 */
final class ExtProcStream {

    private final ExtProcFilter filter;
    private final ExtProcConfig config;
    private GrpcServiceConfig service;
    private List<Map.Entry<String, String>> extraMetadata = List.of();
    private List<String> forwardingNamespaces;
    private GrpcClusterStream stream;
    /** We ended the stream (or it ended): later answers and its close are not ours to act on. */
    private boolean closed;
    private boolean protocolSent;
    /** The service's cluster did not exist when the stream was to open: nothing is ever sent. */
    private boolean noCluster;

    ExtProcStream(ExtProcFilter filter, ExtProcConfig config) {
        this.filter = filter;
        this.config = config;
        this.service = config.service();
        this.forwardingNamespaces = config.forwardingNamespaces();
    }

    /** The route's overrides: the service, extra initial metadata, the forwarded namespaces. */
    void override(ExtProcPerRouteConfig route) {
        if (route.service() != null) {
            service = route.service();
        }
        extraMetadata = route.initialMetadata();
        if (route.forwardingNamespaces() != null) {
            forwardingNamespaces = route.forwardingNamespaces();
        }
    }

    boolean closed() {
        return closed;
    }

    /** The stream ended from the processor's side (or failed). */
    void markClosed() {
        closed = true;
    }

    void sendHeaders(ExtProcPhase phase, Http2Headers h, boolean endStream) {
        HttpHeaders m = HttpHeaders.newBuilder().setEndOfStream(endStream)
                .setHeaders(ExtProcMessages.headerMap(h, config.allowedHeaders(), config.disallowedHeaders())).build();
        ProcessingRequest.Builder r = ProcessingRequest.newBuilder();
        send(phase, phase.request ? r.setRequestHeaders(m) : r.setResponseHeaders(m));
    }

    void sendBody(ExtProcPhase phase, ByteBuf body, boolean endStream) {
        HttpBody m = HttpBody.newBuilder().setEndOfStream(endStream)
                .setBody(com.google.protobuf.UnsafeByteOperations.unsafeWrap(io.netty.buffer.ByteBufUtil.getBytes(body)))
                .build();
        ProcessingRequest.Builder r = ProcessingRequest.newBuilder();
        send(phase, phase.request ? r.setRequestBody(m) : r.setResponseBody(m));
    }

    void sendTrailers(ExtProcPhase phase, Http2Headers t) {
        HttpTrailers m = HttpTrailers.newBuilder()
                .setTrailers(ExtProcMessages.headerMap(t, config.allowedHeaders(), config.disallowedHeaders())).build();
        ProcessingRequest.Builder r = ProcessingRequest.newBuilder();
        send(phase, phase.request ? r.setRequestTrailers(m) : r.setResponseTrailers(m));
    }

    private void send(ExtProcPhase phase, ProcessingRequest.Builder r) {
        if (noCluster || stream == null && !clusterExists()) {
            return;
        }
        if (!forwardingNamespaces.isEmpty()) {
            Metadata.Builder md = Metadata.newBuilder();
            for (String ns : forwardingNamespaces) {
                Map<String, Object> m = filter.cb.streamInfo().dynamicMetadata(ns);
                if (m != null && !m.isEmpty()) {
                    md.putFilterMetadata(ns, StructValues.toStruct(m));
                }
            }
            r.setMetadataContext(md);
        }
        ExtProcAttributes attributes = phase.request ? config.requestAttributes() : config.responseAttributes();
        if (!phase.attributesSent && !attributes.isEmpty()) {
            // As Envoy: once per direction, with its first message whatever that is.
            phase.attributesSent = true;
            r.putAttributes(ExtProcConfig.NAME, attributes.evaluate(filter.cb.streamInfo(),
                    filter.cb.serverContext().node(), phase.request ? null : filter.responseHeaders()));
        }
        if (config.observabilityMode()) {
            // As Envoy's: every message says so, and an observer is never told the protocol.
            r.setObservabilityMode(true);
        } else if (!protocolSent) {
            protocolSent = true;
            ExtProcMode mode = filter.mode();
            r.setProtocolConfig(ProtocolConfiguration.newBuilder()
                    .setRequestBodyModeValue(mode.requestBody().ordinal())
                    .setResponseBodyModeValue(mode.responseBody().ordinal())
                    .setSendBodyWithoutWaitingForHeaderResponse(config.sendBodyWithoutWaiting()));
        }
        if (stream == null) {
            List<Map.Entry<String, String>> md = extraMetadata.isEmpty() ? service.initialMetadata()
                    : ExtProcPerRouteConfig.mergeMetadata(service.initialMetadata(), extraMetadata);
            io.netty.handler.codec.http2.Http2Headers h = GrpcCalls.requestHeaders(ExtProcFilter.PATH,
                    service.authority(), null, md);
            if (!service.skipEnvoyHeaders()) {
                GrpcCalls.addEnvoyHeaders(h, filter.cb.serverContext().localAddress());
            }
            stream = GrpcClusterStream.open(filter.cb.eventLoop(), filter.cb.serverContext(), service.cluster(), h, filter,
                    service.maxReceiveMessageLength(), service.retryPolicy());
            filter.stats.streamsStarted.increment();
        }
        stream.send(r.build().toByteArray());
        filter.stats.streamMsgsSent.increment();
        if (!config.observabilityMode() && phase.duplex == null) {
            // FULL_DUPLEX_STREAMED answers come when the processor has them: Envoy arms no timer.
            phase.timer.start(filter.schedule(config.messageTimeout().toNanos()));
        }
    }

    /** Ends our side of the stream once nothing more will be sent (Envoy's closeStream). */
    void close() {
        if (stream != null && !closed) {
            closed = true;
            stream.halfClose();
            filter.stats.streamsClosed.increment();
        }
    }

    /**
     * Envoy's gRPC client fails a stream to a cluster it does not know as it starts it
     * ({@code onRemoteClose(Unavailable, "Cluster not available")}, in {@code AsyncStreamImpl::initialize}),
     * so ext_proc's {@code openStream} counts no stream started and sends nothing; the filter sees
     * the failure (on the next turn here) as any other stream error.
     */
    private boolean clusterExists() {
        if (filter.cb.serverContext().clusterManager().get(service.cluster()) != null) {
            return true;
        }
        noCluster = true;
        filter.cb.eventLoop().execute(() -> filter.onClose(GrpcClusterStream.UNAVAILABLE, "Cluster not available"));
        return false;
    }

    /** Resets the stream (an answer that cannot be read). */
    void cancel() {
        stream.cancel();
    }

    /** The request is over: the stream is reset, an observer's only after deferred_close_timeout. */
    void destroy() {
        if (stream == null) {
            return;
        }
        if (config.observabilityMode() && !closed) {
            // Give the processor time to read what was sent before the stream is reset.
            close();
            GrpcClusterStream s = stream;
            filter.cb.eventLoop().schedule(s::cancel, config.deferredCloseTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } else {
            stream.cancel();
        }
    }
}

package io.remora.extensions.filters.http.ext_authz;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.remora.config.HeaderMutation;
import io.netty.channel.EventLoop;
import io.netty.util.NetUtil;
import io.remora.extensions.filters.http.common.ClusterCall;
import io.remora.extensions.filters.http.common.GrpcUnaryCall;
import io.remora.http.upstream.Cancellable;
import io.remora.server.ServerContext;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Envoy's gRPC authorization client: one unary {@code envoy.service.auth.v3.Authorization/Check}
 * over HTTP/2 to the cluster (length-prefixed protobuf, {@code grpc-timeout}, trailers). A call
 * that fails at the gRPC level is an error; {@code status.code} OK allows (with the ok_response
 * header mutations), anything else denies with the denied_response (403 when it names no status).
 */
public final class GrpcAuthzClient implements AuthzClient {

    static final String PATH = "/envoy.service.auth.v3.Authorization/Check";

    private final GrpcServiceConfig config;
    private final boolean encodeRawHeaders;

    public GrpcAuthzClient(GrpcServiceConfig config) {
        this(config, false);
    }

    /** @param encodeRawHeaders the HTTP filter's encode_raw_headers: headers go in header_map, each as it came */
    public GrpcAuthzClient(GrpcServiceConfig config, boolean encodeRawHeaders) {
        this.config = config;
        this.encodeRawHeaders = encodeRawHeaders;
    }

    @Override
    public Cancellable check(AuthzCheck check, EventLoop loop, ServerContext context, Consumer<AuthzDecision> done) {
        return GrpcUnaryCall.start(loop, context, config.cluster(), config.authority(), config.initialMetadata(),
                !config.skipEnvoyHeaders(), PATH,
                request(check).toByteArray(), config.timeout(), config.retryPolicy(), r -> done.accept(decide(r)));
    }

    CheckRequest request(AuthzCheck c) {
        AttributeContext.HttpRequest.Builder http = AttributeContext.HttpRequest.newBuilder()
                .setMethod(nz(c.method())).setPath(nz(c.path())).setHost(nz(c.host())).setScheme(nz(c.scheme()))
                .setProtocol(nz(c.protocol())).setId(nz(c.requestId())).setSize(c.size());
        if (encodeRawHeaders) {
            io.envoyproxy.envoy.config.core.v3.HeaderMap.Builder map = io.envoyproxy.envoy.config.core.v3.HeaderMap.newBuilder();
            for (Map.Entry<String, String> e : c.headers()) {
                map.addHeaders(io.envoyproxy.envoy.config.core.v3.HeaderValue.newBuilder().setKey(e.getKey())
                        .setRawValue(ByteString.copyFromUtf8(e.getValue())));
            }
            http.setHeaderMap(map);
        } else {
            for (Map.Entry<String, String> e : c.headers()) {
                String prev = http.getHeadersMap().get(e.getKey());
                http.putHeaders(e.getKey(), prev == null ? e.getValue() : prev + "," + e.getValue());
            }
        }
        if (c.body() != null) {
            if (config.packAsBytes()) {
                http.setRawBody(ByteString.copyFrom(c.body()));
            } else {
                http.setBody(new String(c.body(), java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        AttributeContext.Peer.Builder source = peer(c.source(), c.sourcePrincipal(), c.sourceService()).toBuilder();
        if (!c.peerCertificate().isEmpty()) {
            source.setCertificate(c.peerCertificate());
        }
        AttributeContext.Builder attrs = AttributeContext.newBuilder()
                .setSource(source)
                .setDestination(peer(c.destination(), c.destinationPrincipal(), c.destinationService()).toBuilder()
                        .putAllLabels(c.destinationLabels()))
                .putAllContextExtensions(c.contextExtensions());
        // A connection (network filter) has no request at all, as Envoy's createTcpCheck; a
        // request's time is when the stream began.
        if (c.method() != null) {
            long start = c.streamInfo() == null ? System.currentTimeMillis() : c.streamInfo().startMillis;
            attrs.setRequest(AttributeContext.Request.newBuilder().setHttp(http).setTime(Timestamp.newBuilder()
                    .setSeconds(Math.floorDiv(start, 1000)).setNanos((int) Math.floorMod(start, 1000) * 1_000_000)));
        }
        if (!c.metadataContext().isEmpty()) {
            Metadata.Builder md = Metadata.newBuilder();
            c.metadataContext().forEach((ns, m) -> md.putFilterMetadata(ns, StructValues.toStruct(m)));
            attrs.setMetadataContext(md);
        }
        if (!c.routeMetadataContext().isEmpty()) {
            Metadata.Builder md = Metadata.newBuilder();
            c.routeMetadataContext().forEach((ns, m) -> md.putFilterMetadata(ns, StructValues.toStruct(m)));
            attrs.setRouteMetadataContext(md);
        }
        if (c.tlsSession() != null) {
            attrs.setTlsSession(AttributeContext.TLSSession.newBuilder().setSni(c.tlsSession()));
        }
        return CheckRequest.newBuilder().setAttributes(attrs).build();
    }

    private static AttributeContext.Peer peer(java.net.SocketAddress a, String principal, String service) {
        AttributeContext.Peer.Builder p = AttributeContext.Peer.newBuilder().setPrincipal(nz(principal))
                .setService(nz(service));
        if (a instanceof InetSocketAddress isa && isa.getAddress() != null) {
            p.setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder()
                    .setAddress(NetUtil.toAddressString(isa.getAddress())).setPortValue(isa.getPort())));
        }
        return p.build();
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    AuthzDecision decide(ClusterCall.Response r) {
        ByteBuffer message = GrpcUnaryCall.message(r, config.maxReceiveMessageLength());
        if (message == null) {
            return AuthzDecision.error();
        }
        CheckResponse resp;
        try {
            resp = CheckResponse.parseFrom(message);
        } catch (InvalidProtocolBufferException e) {
            return AuthzDecision.error();
        }
        // As Envoy: the deprecated ok_response.dynamic_metadata, when set, wins over the response's.
        Map<String, Object> metadata = resp.hasOkResponse() && resp.getOkResponse().hasDynamicMetadata()
                ? StructValues.toMap(resp.getOkResponse().getDynamicMetadata())
                : resp.hasDynamicMetadata() ? StructValues.toMap(resp.getDynamicMetadata()) : Map.of();
        if (resp.getStatus().getCode() == 0) {
            var ok = resp.getOkResponse();
            List<Map.Entry<String, String>> set = new ArrayList<>();
            List<Map.Entry<String, String>> append = new ArrayList<>();
            for (HeaderValueOption o : ok.getHeadersList()) {
                Map.Entry<String, String> e = entry(o);
                if (appends(o, false)) {
                    append.add(e);
                } else {
                    set.add(e);
                }
            }
            List<String> remove = new ArrayList<>();
            for (String n : ok.getHeadersToRemoveList()) {
                remove.add(n.toLowerCase(Locale.ROOT));
            }
            List<HeaderMutation.HeaderValueOption> toClient = new ArrayList<>();
            for (HeaderValueOption o : ok.getResponseHeadersToAddList()) {
                Map.Entry<String, String> e = entry(o);
                toClient.add(new HeaderMutation.HeaderValueOption(e.getKey(), e.getValue(), responseAction(o), false));
            }
            List<Map.Entry<String, String>> querySet = new ArrayList<>();
            for (var qp : ok.getQueryParametersToSetList()) {
                querySet.add(Map.entry(qp.getKey(), qp.getValue()));
            }
            return new AuthzDecision(AuthzDecision.Kind.OK, set, List.of(), append, remove, toClient, 200, "", metadata,
                    new QueryMutation(querySet, ok.getQueryParametersToRemoveList()));
        }
        var denied = resp.getDeniedResponse();
        int status = denied.hasStatus() && denied.getStatus().getCodeValue() > 0 ? denied.getStatus().getCodeValue() : 403;
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (HeaderValueOption o : denied.getHeadersList()) {
            headers.add(entry(o));
        }
        return new AuthzDecision(AuthzDecision.Kind.DENIED, headers, List.of(), List.of(), List.of(), status,
                denied.getBody(), metadata);
    }

    /**
     * How a response header applies, as Envoy's copyOkResponseMutations: an explicit {@code append}
     * adds (true) or sets (false); otherwise {@code append_action} decides.
     */
    private static HeaderMutation.AppendAction responseAction(HeaderValueOption o) {
        if (o.hasAppend()) {
            return o.getAppend().getValue() ? HeaderMutation.AppendAction.APPEND_IF_EXISTS_OR_ADD
                    : HeaderMutation.AppendAction.OVERWRITE_IF_EXISTS_OR_ADD;
        }
        return switch (o.getAppendAction()) {
            case ADD_IF_ABSENT -> HeaderMutation.AppendAction.ADD_IF_ABSENT;
            case OVERWRITE_IF_EXISTS_OR_ADD -> HeaderMutation.AppendAction.OVERWRITE_IF_EXISTS_OR_ADD;
            case OVERWRITE_IF_EXISTS -> HeaderMutation.AppendAction.OVERWRITE_IF_EXISTS;
            default -> HeaderMutation.AppendAction.APPEND_IF_EXISTS_OR_ADD;
        };
    }

    private static Map.Entry<String, String> entry(HeaderValueOption o) {
        return Map.entry(o.getHeader().getKey().toLowerCase(Locale.ROOT), o.getHeader().getValue());
    }

    /**
     * Envoy documents {@code append} as false by default in an ok_response, so headers overwrite
     * unless the authorization service sets {@code append: true}. ({@code append_action}'s zero
     * value cannot be told from unset, so it does not turn appending on.)
     */
    private static boolean appends(HeaderValueOption o, boolean byDefault) {
        return o.hasAppend() ? o.getAppend().getValue() : byDefault;
    }
}

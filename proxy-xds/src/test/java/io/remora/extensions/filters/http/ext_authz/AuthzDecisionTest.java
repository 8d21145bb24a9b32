package io.remora.extensions.filters.http.ext_authz;

import com.google.protobuf.BoolValue;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.DeniedHttpResponse;
import io.envoyproxy.envoy.service.auth.v3.OkHttpResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.remora.config.HeaderMutation;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.StringMatcher;
import io.remora.extensions.filters.http.common.ClusterCall;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How the two clients read an authorization service's answer, per Envoy's ext_authz clients. */
class AuthzDecisionTest {

    static final GrpcAuthzClient GRPC = new GrpcAuthzClient(new GrpcServiceConfig("c", "c", Duration.ofSeconds(1),
            List.of(), false));

    static ClusterCall.Response grpc(CheckResponse r, String grpcStatus) {
        byte[] m = r.toByteArray();
        byte[] framed = ByteBuffer.allocate(5 + m.length).put((byte) 0).putInt(m.length).put(m).array();
        Http2Headers h = new DefaultHttp2Headers().status("200");
        h.set("content-type", "application/grpc");
        return new ClusterCall.Response(h, framed, new DefaultHttp2Headers().set("grpc-status", grpcStatus), null);
    }

    static HeaderValueOption hv(String k, String v, Boolean append) {
        HeaderValueOption.Builder b = HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey(k).setValue(v));
        if (append != null) {
            b.setAppend(BoolValue.of(append));
        }
        return b.build();
    }

    @Test
    void grpcOkSetsOrAppendsHeaders() {
        CheckResponse r = CheckResponse.newBuilder().setStatus(Status.newBuilder().setCode(0))
                .setOkResponse(OkHttpResponse.newBuilder().addHeaders(hv("x-a", "1", null)).addHeaders(hv("x-b", "2", true))
                        .addHeadersToRemove("X-Gone").addResponseHeadersToAdd(hv("x-c", "3", null)))
                .build();
        AuthzDecision d = GRPC.decide(grpc(r, "0"));
        assertEquals(AuthzDecision.Kind.OK, d.kind());
        assertEquals(List.of(Map.entry("x-a", "1")), d.headersToSet());
        assertEquals(List.of(Map.entry("x-b", "2")), d.headersToAppend());
        assertEquals(List.of(), d.headersToAdd());
        assertEquals(List.of("x-gone"), d.headersToRemove());
        assertEquals(List.of(new HeaderMutation.HeaderValueOption("x-c", "3",
                HeaderMutation.AppendAction.APPEND_IF_EXISTS_OR_ADD, false)), d.responseHeaders());
    }

    /**
     * Envoy's copyOkResponseMutations: a response header's explicit append adds (true) or sets
     * (false); without it append_action decides. The deprecated ok_response.dynamic_metadata wins.
     */
    @Test
    void grpcResponseHeadersFollowAppendOrItsAction() {
        CheckResponse r = CheckResponse.newBuilder().setStatus(Status.newBuilder().setCode(0))
                .setOkResponse(OkHttpResponse.newBuilder()
                        .addResponseHeadersToAdd(hv("x-set", "1", false))
                        .addResponseHeadersToAdd(hv("x-if-absent", "2", null).toBuilder()
                                .setAppendAction(HeaderValueOption.HeaderAppendAction.ADD_IF_ABSENT))
                        .addResponseHeadersToAdd(hv("x-if-present", "3", null).toBuilder()
                                .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS))
                        .setDynamicMetadata(com.google.protobuf.Struct.newBuilder().putFields("from",
                                com.google.protobuf.Value.newBuilder().setStringValue("ok_response").build())))
                .setDynamicMetadata(com.google.protobuf.Struct.newBuilder().putFields("from",
                        com.google.protobuf.Value.newBuilder().setStringValue("response").build()))
                .build();
        AuthzDecision d = GRPC.decide(grpc(r, "0"));
        assertEquals(List.of(HeaderMutation.AppendAction.OVERWRITE_IF_EXISTS_OR_ADD,
                        HeaderMutation.AppendAction.ADD_IF_ABSENT, HeaderMutation.AppendAction.OVERWRITE_IF_EXISTS),
                d.responseHeaders().stream().map(HeaderMutation.HeaderValueOption::action).toList());
        assertEquals(Map.of("from", "ok_response"), d.dynamicMetadata());
    }

    @Test
    void grpcDeniedCarriesStatusBodyHeaders() {
        CheckResponse r = CheckResponse.newBuilder().setStatus(Status.newBuilder().setCode(7))
                .setDeniedResponse(DeniedHttpResponse.newBuilder().setStatus(HttpStatus.newBuilder()
                        .setCode(StatusCode.Unauthorized)).setBody("no").addHeaders(hv("x-why", "because", null)))
                .build();
        AuthzDecision d = GRPC.decide(grpc(r, "0"));
        assertEquals(AuthzDecision.Kind.DENIED, d.kind());
        assertEquals(401, d.status());
        assertEquals("no", d.body());
        assertEquals(List.of(Map.entry("x-why", "because")), d.headersToSet());
    }

    @Test
    void grpcDeniedWithoutStatusIs403() {
        CheckResponse r = CheckResponse.newBuilder().setStatus(Status.newBuilder().setCode(16)).build();
        assertEquals(403, GRPC.decide(grpc(r, "0")).status());
        assertEquals(AuthzDecision.Kind.DENIED, GRPC.decide(grpc(r, "0")).kind());
    }

    @Test
    void grpcCallFailureIsAnError() {
        CheckResponse ok = CheckResponse.newBuilder().setStatus(Status.newBuilder().setCode(0)).build();
        assertEquals(AuthzDecision.Kind.ERROR, GRPC.decide(grpc(ok, "14")).kind());
        assertEquals(AuthzDecision.Kind.ERROR, GRPC.decide(new ClusterCall.Response(null, null, null, "reset")).kind());
        // Trailers-only (grpc-status in the headers), not OK.
        Http2Headers h = new DefaultHttp2Headers().status("200").set("grpc-status", "7");
        assertEquals(AuthzDecision.Kind.ERROR, GRPC.decide(new ClusterCall.Response(h, new byte[0], null, null)).kind());
        // A garbled message.
        assertEquals(AuthzDecision.Kind.ERROR, GRPC.decide(new ClusterCall.Response(new DefaultHttp2Headers()
                .status("200"), new byte[]{0, 0, 0, 0, 9, 1}, new DefaultHttp2Headers().set("grpc-status", "0"), null)).kind());
    }

    static final HttpAuthzClient HTTP = new HttpAuthzClient(new HttpServiceConfig("c", "/p", Duration.ofSeconds(1),
            List.of(), List.of(), List.of(new StringMatcher.Exact("x-user", false)), List.of(new StringMatcher.Prefix("x-add-", false)),
            List.of(), List.of(new StringMatcher.Exact("x-on-success", false)), List.of(new StringMatcher.Exact("x-md", false))));

    static ClusterCall.Response http(int status, String body, String... headers) {
        Http2Headers h = new DefaultHttp2Headers().status(Integer.toString(status));
        for (int i = 0; i < headers.length; i += 2) {
            h.add(headers[i], headers[i + 1]);
        }
        return new ClusterCall.Response(h, body.getBytes(StandardCharsets.UTF_8), null, null);
    }

    @Test
    void http200Allows() {
        AuthzDecision d = HTTP.decide(http(200, "", "x-user", "alice", "x-add-1", "a", "x-other", "o",
                "x-on-success", "s", "x-md", "m", "x-envoy-auth-headers-to-remove", "x-secret, x-token"));
        assertEquals(AuthzDecision.Kind.OK, d.kind());
        assertEquals(List.of(Map.entry("x-user", "alice")), d.headersToSet());
        assertEquals(List.of(Map.entry("x-add-1", "a")), d.headersToAdd());
        assertEquals(List.of(), d.headersToAppend());
        assertEquals(List.of("x-secret", "x-token"), d.headersToRemove());
        assertEquals(List.of(new HeaderMutation.HeaderValueOption("x-on-success", "s",
                HeaderMutation.AppendAction.APPEND_IF_EXISTS_OR_ADD, false)), d.responseHeaders());
        assertEquals(Map.of("x-md", "m"), d.dynamicMetadata());
    }

    @Test
    void httpOtherStatusDeniesWithEveryHeaderButHost() {
        AuthzDecision d = HTTP.decide(http(302, "go away", "location", "/login", "host", "authz", "x-y", "z"));
        assertEquals(AuthzDecision.Kind.DENIED, d.kind());
        assertEquals(302, d.status());
        assertEquals("go away", d.body());
        assertEquals(List.of(Map.entry("location", "/login"), Map.entry("x-y", "z")), d.headersToSet());
    }

    @Test
    void http5xxIsAnError() {
        assertEquals(AuthzDecision.Kind.ERROR, HTTP.decide(http(503, "down")).kind());
        assertTrue(HTTP.decide(http(404, "")).kind() == AuthzDecision.Kind.DENIED);
    }

    @Test
    void encodeRawHeadersSendsEachHeaderInHeaderMapInsteadOfTheJoinedMap() {
        AuthzCheck check = AuthzCheck.builder(new java.net.InetSocketAddress("127.0.0.1", 1),
                        new java.net.InetSocketAddress("127.0.0.1", 2))
                .request("GET", "/", "h", "http", "HTTP/1.1", "id")
                .headers(List.of(Map.entry("x-a", "1"), Map.entry("x-a", "2"), Map.entry("x-b", "b"))).build();
        var joined = GRPC.request(check).getAttributes().getRequest().getHttp();
        assertEquals(Map.of("x-a", "1,2", "x-b", "b"), joined.getHeadersMap());
        assertFalse(joined.hasHeaderMap());
        var raw = new GrpcAuthzClient(new GrpcServiceConfig("c", "c", Duration.ofSeconds(1), List.of(), false), true)
                .request(check).getAttributes().getRequest().getHttp();
        assertTrue(raw.getHeadersMap().isEmpty());
        assertEquals(List.of("x-a=1", "x-a=2", "x-b=b"), raw.getHeaderMap().getHeadersList().stream()
                .map(h -> h.getKey() + "=" + h.getRawValue().toStringUtf8()).toList());
    }
}

package io.remora.extensions.filters.http.oauth2;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.extensions.filters.http.common.ClusterCall;
import io.remora.http.PercentEncoding;
import io.remora.http.upstream.Cancellable;
import io.remora.server.ServerContext;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.function.Consumer;

/**
 * The filter's POSTs to {@code token_endpoint} as Envoy's OAuth client words them: an
 * {@code application/x-www-form-urlencoded} grant, the client's credentials in the body or, for
 * {@code BASIC_AUTH}, in an {@code Authorization: Basic} header.
 */
final class TokenEndpointCall {
    /** What Envoy escapes in form values besides controls and '~' and above. */
    private static final String FORM_RESERVED = ":/=&?+";

    private TokenEndpointCall() {
    }

    /** Exchanges an authorization code; {@code code} goes as the callback sent it. */
    static Cancellable authorizationCode(EventLoop loop, ServerContext ctx, OAuth2FilterConfig c, String clientSecret,
                                         String code, String redirectUri, String codeVerifier,
                                         Consumer<ClusterCall.Response> done) {
        String cb = form(redirectUri);
        String body = c.basicAuth()
                ? "grant_type=authorization_code&code=" + code + "&redirect_uri=" + cb + "&code_verifier=" + codeVerifier
                : "grant_type=authorization_code&code=" + code + "&client_id=" + form(c.clientId()) + "&client_secret="
                        + form(clientSecret) + "&redirect_uri=" + cb + "&code_verifier=" + codeVerifier;
        return post(loop, ctx, c, clientSecret, body, done);
    }

    static Cancellable refresh(EventLoop loop, ServerContext ctx, OAuth2FilterConfig c, String clientSecret,
                               String refreshToken, Consumer<ClusterCall.Response> done) {
        String body = c.basicAuth()
                ? "grant_type=refresh_token&refresh_token=" + PercentEncoding.encode(refreshToken, "%")
                : "grant_type=refresh_token&refresh_token=" + form(refreshToken) + "&client_id=" + form(c.clientId())
                        + "&client_secret=" + form(clientSecret);
        return post(loop, ctx, c, clientSecret, body, done);
    }

    private static Cancellable post(EventLoop loop, ServerContext ctx, OAuth2FilterConfig c, String clientSecret,
                                    String body, Consumer<ClusterCall.Response> done) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        Http2Headers h = new DefaultHttp2Headers(false);
        h.method("POST").path(c.tokenPath()).authority(c.tokenAuthority()).scheme("http");
        h.set("content-type", "application/x-www-form-urlencoded");
        h.set("accept", "application/json");
        h.setInt("content-length", bytes.length);
        if (c.basicAuth()) {
            h.set("authorization", "Basic " + Base64.getEncoder().encodeToString(
                    (c.clientId() + ":" + clientSecret).getBytes(StandardCharsets.UTF_8)));
        }
        return ClusterCall.start(loop, ctx, c.tokenCluster(), UpstreamProtocol.HTTP1, h, bytes, c.tokenTimeout(), done);
    }

    private static String form(String value) {
        return PercentEncoding.encode(value, FORM_RESERVED);
    }
}

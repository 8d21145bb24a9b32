package io.remora.extensions.filters.http.ext_authz;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.config.HeaderMutation;
import io.remora.extensions.filters.http.common.ClusterCall;
import io.remora.http.upstream.Cancellable;
import io.remora.route.HeaderFormatter;
import io.remora.server.ServerContext;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Envoy's raw HTTP authorization client: the request carries the original method, the path
 * behind {@code path_prefix}, the host, {@code authorization} and the allowed headers (and the
 * buffered body); 200 allows, 5xx is an error, any other status denies with that status, body
 * and the allowed client headers.
 */
final class HttpAuthzClient implements AuthzClient {

    /** Headers Envoy always copies into the authorization request. */
    private static final Set<String> DEFAULT_REQUEST_HEADERS = Set.of(":method", ":path", ":authority", "authorization");
    private static final String HEADERS_TO_REMOVE = "x-envoy-auth-headers-to-remove";
    /** Never passed from the authorization response to the client: the local reply sets its own. */
    private static final Set<String> NOT_FOR_CLIENT = Set.of("content-length", "transfer-encoding", "connection",
            "keep-alive", "upgrade", "host");

    private final HttpServiceConfig config;
    /** authorization_request.headers_to_add, formatted per call as Envoy's HeaderParser does. */
    private final List<Map.Entry<AsciiString, HeaderFormatter>> headersToAdd = new ArrayList<>();

    HttpAuthzClient(HttpServiceConfig config) {
        this.config = config;
        for (Map.Entry<String, String> e : config.headersToAdd()) {
            headersToAdd.add(Map.entry(AsciiString.of(e.getKey()), HeaderFormatter.compile(e.getValue())));
        }
    }

    @Override
    public Cancellable check(AuthzCheck check, EventLoop loop, ServerContext context, Consumer<AuthzDecision> done) {
        Http2Headers h = new DefaultHttp2Headers(false);
        byte[] body = check.body() == null ? new byte[0] : check.body();
        for (Map.Entry<String, String> e : check.headers()) {
            String k = e.getKey();
            if (k.equals("content-length")) {
                continue;
            }
            if (DEFAULT_REQUEST_HEADERS.contains(k) || HttpServiceConfig.any(config.allowedHeaders(), k)) {
                h.add(k, k.equals(":path") ? config.pathPrefix() + e.getValue() : e.getValue());
            }
        }
        if (h.method() == null) {
            h.method(check.method());
        }
        if (h.path() == null) {
            h.path(config.pathPrefix() + check.path());
        }
        if (h.authority() == null) {
            h.authority(check.host() == null ? config.cluster() : check.host());
        }
        h.scheme("http");
        h.setInt("content-length", body.length);
        HeaderFormatter.Context info = check::streamInfo;
        for (Map.Entry<AsciiString, HeaderFormatter> e : headersToAdd) {
            String v = e.getValue().format(h, info);
            // An operator with no value leaves the header out (HeaderValue has no keep_empty_value).
            if (!v.isEmpty()) {
                h.set(e.getKey(), v);
            }
        }
        return ClusterCall.start(loop, context, config.cluster(), UpstreamProtocol.HTTP1, h, body,
                config.timeout(), r -> done.accept(decide(r)));
    }

    AuthzDecision decide(ClusterCall.Response r) {
        int status = r.status();
        if (r.headers() == null || status < 200 || status >= 500) {
            return AuthzDecision.error();
        }
        List<String> remove = new ArrayList<>();
        if (status == 200) {
            for (CharSequence v : r.headers().getAll(HEADERS_TO_REMOVE)) {
                for (String name : v.toString().split(",")) {
                    if (!name.isBlank()) {
                        remove.add(name.trim().toLowerCase(Locale.ROOT));
                    }
                }
            }
        }
        List<Map.Entry<String, String>> set = new ArrayList<>();
        List<Map.Entry<String, String>> add = new ArrayList<>();
        List<HeaderMutation.HeaderValueOption> toClient = new ArrayList<>();
        Map<String, Object> metadata = new LinkedHashMap<>();
        for (Map.Entry<CharSequence, CharSequence> e : r.headers()) {
            String k = e.getKey().toString().toLowerCase(Locale.ROOT);
            if (k.startsWith(":") || k.equals(HEADERS_TO_REMOVE)) {
                continue;
            }
            Map.Entry<String, String> header = Map.entry(k, e.getValue().toString());
            if (status == 200) {
                if (HttpServiceConfig.any(config.upstreamHeaders(), k)) {
                    set.add(header);
                }
                if (HttpServiceConfig.any(config.upstreamHeadersToAppend(), k)) {
                    add.add(header);
                }
                if (HttpServiceConfig.any(config.clientHeadersOnSuccess(), k)) {
                    // Envoy adds them (addCopy) to the response the client gets.
                    toClient.add(new HeaderMutation.HeaderValueOption(k, header.getValue(),
                            HeaderMutation.AppendAction.APPEND_IF_EXISTS_OR_ADD, false));
                }
            } else if (!NOT_FOR_CLIENT.contains(k) && (config.clientHeaders().isEmpty()
                    || HttpServiceConfig.any(config.clientHeaders(), k) || k.equals("www-authenticate")
                    || k.equals("location"))) {
                set.add(header);
            }
            if (HttpServiceConfig.any(config.dynamicMetadataFromHeaders(), k)) {
                metadata.put(k, header.getValue());
            }
        }
        if (status == 200) {
            return new AuthzDecision(AuthzDecision.Kind.OK, set, add, remove, toClient, 200, "", metadata);
        }
        return new AuthzDecision(AuthzDecision.Kind.DENIED, set, List.of(), List.of(), List.of(), status,
                new String(r.body(), StandardCharsets.UTF_8), metadata);
    }
}

package io.remora.e2e;

import io.remora.testing.HttpHeads;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bootstrap's {@code inline_headers} through a running proxy: the names it adds are held in
 * one entry as Envoy's registered inline headers are, so a repeat is joined (a cookie with "; "),
 * while the same names stay repeated in a proxy without them.
 */
class InlineHeadersE2ETest {

    @Test
    void bootstrapInlineHeadersAreJoined() throws Exception {
        List<List<String>> cookies = new CopyOnWriteArrayList<>();
        try (TestUpstream up = TestUpstream.start((ctx, req, n) -> {
            cookies.add(req.headers().getAll("cookie"));
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.copiedBuffer("ok", StandardCharsets.UTF_8));
            r.headers().set("content-length", 2).add("x-trace", "1").add("x-trace", "2");
            ctx.writeAndFlush(r);
        })) {
            String routes = """
                    - match: { prefix: / }
                      route: { cluster: up }
                    """;
            String inline = """
                    inline_headers:
                    - { inline_header_name: cookie, inline_header_type: REQUEST_HEADER }
                    - { inline_header_name: x-trace, inline_header_type: RESPONSE_HEADER }
                    """;
            for (boolean registered : List.of(true, false)) {
                int admin = ProxyProcess.freePort();
                int port = ProxyProcess.freePort();
                String bootstrap = Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(), routes,
                        Bootstraps.cluster("up", false, null, up.port()));
                try (ProxyProcess proxy = ProxyProcess.start((registered ? inline : "") + bootstrap, admin, List.of())) {
                    String head = get(port, "GET / HTTP/1.1\r\nHost: a\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n");
                    List<String> cookie = cookies.get(cookies.size() - 1);
                    assertEquals(registered ? List.of("a=1; b=2") : List.of("a=1", "b=2"), cookie, head);
                    assertEquals(registered ? List.of("1,2") : List.of("1", "2"), HttpHeads.lines(head, "x-trace"), head);
                }
            }
        }
    }

    /** The response head to {@code request}, lower-cased, on a connection of its own. */
    private static String get(int port, String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            String head = HttpHeads.read(s.getInputStream());
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            return head.toLowerCase();
        }
    }
}

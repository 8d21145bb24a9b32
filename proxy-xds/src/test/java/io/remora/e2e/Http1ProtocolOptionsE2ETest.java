package io.remora.e2e;

import io.remora.testing.HttpHeads;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code http_protocol_options} (config.core.v3.Http1ProtocolOptions) of the connection manager
 * and of clusters, seen on the wire: a raw client sends exact bytes and a raw upstream records
 * exactly what reached it. Header case (proper_case_words; preserve_case with its reason phrase),
 * allow_chunked_length both ways, allow_absolute_url false, send_fully_qualified_url,
 * allow_custom_methods, ignore_http_11_upgrade and override_stream_error_on_invalid_http_message,
 * each beside a listener or cluster without the option.
 */
class Http1ProtocolOptionsE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static RawHeadUpstream upstream;
    static ProxyProcess proxy;
    static final Map<String, Integer> PORTS = new HashMap<>();

    private static final String PRESERVE = """
            header_key_format:
              stateful_formatter:
                name: preserve_case
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.http.header_formatters.preserve_case.v3.PreserveCaseFormatterConfig
                  forward_reason_phrase: true
            """;

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.own(new RawHeadUpstream(head -> {
            if (head.contains("/both")) {
                return "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
            }
            if (head.contains("/reason")) {
                return "HTTP/1.1 200 Very Fine\r\nX-UPSTREAM-Case: v\r\ncontent-length: 2\r\n\r\nok";
            }
            return "HTTP/1.1 200 OK\r\nx-upstream-case: v\r\ncontent-length: 2\r\n\r\nok";
        }));
        for (String l : List.of("plain", "proper", "preserve", "options")) {
            PORTS.put(l, ProxyProcess.freePort());
        }
        String listeners = Bootstraps.httpListener("plain", "", "", route("plain"))
                + Bootstraps.httpListener("proper", "", "http_protocol_options: { header_key_format: { proper_case_words: {} } }",
                        route("proper"))
                + Bootstraps.httpListener("preserve", "", "http_protocol_options:\n" + indent(PRESERVE), route("preserve"))
                + Bootstraps.httpListener("options", "", """
                        http_protocol_options:
                          allow_chunked_length: true
                          allow_absolute_url: false
                          allow_custom_methods: true
                          use_balsa_parser: true
                          ignore_http_11_upgrade: [{ exact: websocket }]
                          override_stream_error_on_invalid_http_message: true
                        """, route("options"));
        String clusters = Bootstraps.cluster("plain", false, null, upstream.port()) + "\n"
                + Bootstraps.cluster("proper", false, typed("http_protocol_options: { header_key_format: { proper_case_words: {} } }"),
                        upstream.port()) + "\n"
                // The deprecated cluster field, as Envoy still reads it.
                + Bootstraps.cluster("preserve", false, "  http_protocol_options:\n" + indent(indent(PRESERVE)), upstream.port())
                + "\n" + Bootstraps.cluster("options", false,
                        typed("http_protocol_options: { send_fully_qualified_url: true, allow_chunked_length: true }"),
                        upstream.port());
        proxy = stack.start(Bootstraps.listeners(stack.adminPort, listeners, clusters, PORTS), List.of());
    }

    private static String route(String cluster) {
        return "- match: { prefix: \"/\" }\n  route: { cluster: " + cluster + " }\n";
    }

    private static String typed(String explicitHttp1) {
        return """
                  typed_extension_protocol_options:
                    envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                      "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                      explicit_http_config: { %s }
                """.formatted(explicitHttp1);
    }

    private static String indent(String yaml) {
        return yaml.indent(2);
    }

    @BeforeEach
    void forget() {
        upstream.requests.clear();
    }

    @Test
    void properCaseWordsCaseNamesOnBothSidesWithTheOptionOnly() throws Exception {
        String response = exchange("proper", "GET /p HTTP/1.1\r\nhost: a\r\nx-my-header: v\r\n\r\n");
        String sent = upstream.next();
        assertTrue(sent.startsWith("GET /p HTTP/1.1\r\nHost: a\r\n"), sent);
        assertTrue(sent.contains("\r\nX-My-Header: v\r\n") && sent.contains("\r\nX-Forwarded-Proto: http\r\n"), sent);
        assertTrue(response.contains("\r\nX-Upstream-Case: v\r\n") && response.contains("\r\nContent-Length: 2\r\n"), response);

        response = exchange("plain", "GET /p HTTP/1.1\r\nHost: a\r\nX-My-Header: v\r\n\r\n");
        sent = upstream.next();
        assertTrue(sent.contains("\r\nhost: a\r\n") && sent.contains("\r\nx-my-header: v\r\n"), sent);
        assertTrue(response.contains("\r\nx-upstream-case: v\r\n"), response);
    }

    @Test
    void preserveCaseWritesNamesAsTheirPeerSpeltThemAndForwardsTheReasonPhrase() throws Exception {
        String response = exchange("preserve", "GET /reason HTTP/1.1\r\nHOST: a\r\nX-MY-header: v\r\n\r\n");
        String sent = upstream.next();
        assertTrue(sent.contains("\r\nHOST: a\r\n") && sent.contains("\r\nX-MY-header: v\r\n"), sent);
        assertTrue(sent.contains("\r\nx-forwarded-proto: http\r\n"), "names the client did not send stay as held: " + sent);
        assertTrue(response.startsWith("HTTP/1.1 200 Very Fine\r\n"), response);
        assertTrue(response.contains("\r\nX-UPSTREAM-Case: v\r\n"), response);

        response = exchange("plain", "GET /reason HTTP/1.1\r\nHOST: a\r\n\r\n");
        assertTrue(response.startsWith("HTTP/1.1 200 OK\r\n") && response.contains("\r\nx-upstream-case: v\r\n"), response);
        assertTrue(upstream.next().contains("\r\nhost: a\r\n"));
    }

    @Test
    void chunkedWithContentLengthIsRefusedUnlessAllowed() throws Exception {
        String both = "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
        String refused = exchange("plain", both);
        assertTrue(refused.startsWith("HTTP/1.1 400 Bad Request\r\n"), refused);
        assertTrue(upstream.requests.isEmpty(), "a refused request went upstream");

        assertTrue(exchange("options", both).startsWith("HTTP/1.1 200 OK\r\n"));
        String sent = upstream.next();
        assertFalse(sent.toLowerCase().contains("content-length"), "the length went along: " + sent);
        assertTrue(sent.endsWith("\r\n\r\n5\r\nhello\r\n0\r\n\r\n"), sent);

        // Responses too: a protocol error (502 UPE) from a cluster without the option, read chunked with it.
        String failed = exchange("plain", "GET /both HTTP/1.1\r\nHost: a\r\n\r\n");
        assertTrue(failed.startsWith("HTTP/1.1 502 "), failed);
        String read = exchange("options", "GET /both HTTP/1.1\r\nHost: a\r\n\r\n");
        assertTrue(read.startsWith("HTTP/1.1 200 OK\r\n") && read.endsWith("hello\r\n0\r\n\r\n"), read);
        assertFalse(read.toLowerCase().contains("content-length"), read);
    }

    @Test
    void absoluteUrlsAreProxyRequestsUnlessAllowAbsoluteUrlIsFalse() throws Exception {
        double before = proxy.stat("http.options.downstream_rq_non_relative_path");
        String refused = exchange("options", "GET http://a/p HTTP/1.1\r\nHost: a\r\n\r\n");
        assertTrue(refused.startsWith("HTTP/1.1 404 Not Found\r\n"), refused);
        assertEquals(before + 1, proxy.stat("http.options.downstream_rq_non_relative_path"));
        assertTrue(upstream.requests.isEmpty());

        assertTrue(exchange("plain", "GET http://b/p?q=1 HTTP/1.1\r\nHost: a\r\n\r\n").startsWith("HTTP/1.1 200 OK\r\n"));
        String sent = upstream.next();
        assertTrue(sent.startsWith("GET /p?q=1 HTTP/1.1\r\nhost: b\r\n"), sent);
        // Neither origin- nor absolute-form: no URL for a codec that takes absolute ones.
        String invalid = exchange("plain", "GET p HTTP/1.1\r\nHost: a\r\n\r\n");
        assertTrue(invalid.startsWith("HTTP/1.1 400 Bad Request\r\n"), invalid);
        // BalsaParser's isUrlValid refuses it before allow_absolute_url matters; "*" it takes, and
        // without absolute URLs that is a path the connection manager does not serve.
        assertTrue(exchange("options", "GET p HTTP/1.1\r\nHost: a\r\n\r\n").startsWith("HTTP/1.1 400 Bad Request\r\n"));
        assertTrue(exchange("options", "GET * HTTP/1.1\r\nHost: a\r\n\r\n").startsWith("HTTP/1.1 404 Not Found\r\n"));
        assertTrue(upstream.requests.isEmpty());
    }

    @Test
    void sendFullyQualifiedUrlWritesTheAbsoluteForm() throws Exception {
        assertTrue(exchange("options", "GET /p?q=1 HTTP/1.1\r\nHost: a:80\r\n\r\n").startsWith("HTTP/1.1 200 OK\r\n"));
        String sent = upstream.next();
        assertTrue(sent.startsWith("GET http://a:80/p?q=1 HTTP/1.1\r\nhost: a:80\r\n"), sent);
    }

    @Test
    void methodsOutsideEnvoysListNeedAllowCustomMethods() throws Exception {
        String refused = exchange("plain", "BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n");
        assertTrue(refused.startsWith("HTTP/1.1 400 Bad Request\r\n"), refused);
        assertTrue(exchange("options", "BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n").startsWith("HTTP/1.1 200 OK\r\n"));
        assertTrue(upstream.next().startsWith("BREW http://a/pot HTTP/1.1\r\n"));
    }

    @Test
    void anIgnoredUpgradeIsServedAsAPlainRequest() throws Exception {
        String response = exchange("options",
                "GET /p HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n");
        assertTrue(response.startsWith("HTTP/1.1 200 OK\r\n") && response.endsWith("ok"), response);
        String sent = upstream.next().toLowerCase();
        assertFalse(sent.contains("upgrade"), sent);
        // Not on the list: an upgrade, which this connection manager has no upgrade_configs for.
        String other = exchange("options", "GET /p HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: other\r\n\r\n");
        assertTrue(other.startsWith("HTTP/1.1 403 "), other);
    }

    @Test
    void streamErrorOnInvalidHttpMessageKeepsTheConnectionAfterARefusedRequest() throws Exception {
        try (Socket s = socket("options")) {
            String refused = exchange(s, "GET /p HTTP/1.1\r\n\r\n");
            assertTrue(refused.startsWith("HTTP/1.1 400 Bad Request\r\n"), refused);
            assertFalse(refused.toLowerCase().contains("connection: close"), refused);
            assertTrue(exchange(s, "GET /p HTTP/1.1\r\nHost: a\r\n\r\n").startsWith("HTTP/1.1 200 OK\r\n"));
        }
        try (Socket s = socket("plain")) {
            String refused = exchange(s, "GET /p HTTP/1.1\r\n\r\n");
            assertTrue(refused.toLowerCase().contains("\r\nconnection: close\r\n"), refused);
            assertEquals(-1, s.getInputStream().read(), "the connection stays open");
        }
    }

    private static Socket socket(String listener) throws IOException {
        Socket s = new Socket("127.0.0.1", PORTS.get(listener));
        s.setSoTimeout(10_000);
        return s;
    }

    private static String exchange(String listener, String request) throws IOException {
        try (Socket s = socket(listener)) {
            return exchange(s, request);
        }
    }

    private static final Pattern LENGTH = Pattern.compile("(?i)\r\ncontent-length: *(\\d+)");

    /** Sends {@code request}; the response head and its body (by content-length, or chunks to the last). */
    private static String exchange(Socket s, String request) throws IOException {
        s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        InputStream in = s.getInputStream();
        String head = HttpHeads.read(in);
        Matcher length = LENGTH.matcher(head);
        if (length.find()) {
            return head + new String(in.readNBytes(Integer.parseInt(length.group(1))), StandardCharsets.ISO_8859_1);
        }
        StringBuilder body = new StringBuilder();
        if (head.toLowerCase().contains("transfer-encoding: chunked")) {
            while (!body.toString().endsWith("0\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                body.append((char) b);
            }
        }
        return head + body;
    }
}

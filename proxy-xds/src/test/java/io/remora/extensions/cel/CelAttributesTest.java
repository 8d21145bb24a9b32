package io.remora.extensions.cel;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.ResponseFlag;
import io.remora.accesslog.StreamInfo;
import io.remora.config.NodeInfo;
import io.remora.network.FilterState;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Envoy's attribute vocabulary as CEL sees it over a finished stream. */
class CelAttributesTest {

    private final TranslationContext ctx = TranslationContext.lenient();

    private static StreamInfo stream() {
        StreamInfo i = new StreamInfo();
        Http2Headers req = new DefaultHttp2Headers().method("POST").path("/api/v1?x=1&y=2").authority("example.com")
                .scheme("https");
        req.add("user-agent", "curl/8").add("x-request-id", "abc").add("referer", "http://r/")
                .add("x-multi", "a").add("x-multi", "b").add("content-length", "42");
        i.requestHeaders = req;
        i.requestLine(req);
        i.protocol = "HTTP/1.1";
        i.responseCode = 503;
        i.responseCodeDetails = "upstream_reset";
        i.responseHeaders = new DefaultHttp2Headers().status("503").add("grpc-status", "14");
        i.bytesReceived = 42;
        i.bytesSent = 7;
        i.durationNanos = 2_500_000;
        i.downstreamRemoteAddress = new InetSocketAddress("10.0.0.1", 5555);
        i.downstreamLocalAddress = new InetSocketAddress("10.0.0.2", 8080);
        i.upstreamHost = new InetSocketAddress("10.1.0.1", 9090);
        i.upstreamCluster = "backend";
        i.routeName = "r1";
        i.setFlag(ResponseFlag.NO_HEALTHY_UPSTREAM);
        i.setDynamicMetadata("ns", "k", "v");
        FilterState fs = new FilterState(null);
        fs.set("plain", "text", FilterState.Mutability.READ_ONLY);
        fs.set("peer", (CelFields) () -> Map.of("service", "ratings"), FilterState.Mutability.READ_ONLY);
        i.filterState(fs);
        return i;
    }

    private Object eval(String expr, StreamInfo info) {
        NodeInfo node = new NodeInfo("sidecar~1", "c1", Map.of("NAMESPACE", "default"), "r", "z", "");
        return CelEngine.compile(expr, FieldPath.of("e"), ctx).eval(new CelAttributes(info, null, node, null));
    }

    private String print(String expr) {
        return CelEngine.compile(expr, FieldPath.of("e"), ctx).print(new CelAttributes(stream(), null, null, null));
    }

    @Test
    void requestAttributes() {
        StreamInfo i = stream();
        assertEquals("/api/v1?x=1&y=2", eval("request.path", i));
        assertEquals("/api/v1", eval("request.url_path", i));
        assertEquals("x=1&y=2", eval("request.query", i));
        assertEquals("example.com", eval("request.host", i));
        assertEquals("https", eval("request.scheme", i));
        assertEquals("POST", eval("request.method", i));
        assertEquals("curl/8", eval("request.useragent", i));
        assertEquals("http://r/", eval("request.referer", i));
        assertEquals("abc", eval("request.id", i));
        assertEquals("HTTP/1.1", eval("request.protocol", i));
        assertEquals("a,b", eval("request.headers['x-multi']", i));
        assertEquals("a,b", eval("request.headers['X-MULTI']", i), "lookup ignores case");
        assertEquals(42L, eval("request.size", i));
        assertEquals(true, eval("request.duration == duration('2.5ms')", i));
        assertEquals(true, eval("request.time > timestamp('2020-01-01T00:00:00Z')", i));
        assertEquals(true, eval("has(request.headers.referer) && !has(request.headers.nope)", i));
    }

    @Test
    void responseConnectionAndXds() {
        StreamInfo i = stream();
        assertEquals(503L, eval("response.code", i));
        assertEquals(true, eval("response.code >= 500 && response.code_details == 'upstream_reset'", i));
        assertEquals(14L, eval("response.grpc_status", i));
        assertEquals(true, eval("response.flags == 2u", i), "UH is Envoy's bit 0x2");
        assertEquals(7L, eval("response.size", i));
        assertEquals("503", eval("response.headers[':status']", i));
        assertEquals("10.0.0.1:5555", eval("source.address", i));
        assertEquals(5555L, eval("source.port", i));
        assertEquals(8080L, eval("destination.port", i));
        assertEquals(false, eval("connection.mtls", i));
        assertEquals("10.1.0.1:9090", eval("upstream.address", i));
        assertEquals("backend", eval("xds.cluster_name", i));
        assertEquals("r1", eval("xds.route_name", i));
        assertEquals("default", eval("xds.node.metadata['NAMESPACE']", i));
        assertEquals("sidecar~1", eval("xds.node.id", i));
        assertEquals("v", eval("metadata.filter_metadata['ns']['k']", i));
        assertEquals("text", eval("filter_state['plain']", i));
        assertEquals("ratings", eval("filter_state.peer.service", i));
    }

    @Test
    void missingAttributesFail() {
        StreamInfo i = new StreamInfo();
        assertNull(eval("response.code", i), "no response yet: no such key");
        assertEquals(false, eval("has(response.code)", i));
        assertNull(eval("request.headers['x']", stream()));
        assertNull(eval("upstream.tls_version", stream()), "plaintext upstream");
        assertFalse(CelEngine.compile("no_such_root.x == 1", FieldPath.of("e"), ctx)
                .matches(new CelAttributes(i, null, null, null)));
    }

    @Test
    void printedForms() {
        assertEquals("503", print("response.code"));
        assertEquals("true", print("response.code > 400"));
        assertEquals("/API/V1?X=1&Y=2", print("request.path.upperAscii()"));
        assertEquals("x-503", print("'x-' + string(response.code)"));
        assertNull(print("request.headers['none']"));
    }

    @Test
    void syntaxErrorNamesTheField() {
        TranslationException e = assertThrows(TranslationException.class,
                () -> CelEngine.compile("response.code >=", FieldPath.of("filter").field("expression"), ctx));
        assertTrue(e.getMessage().contains("filter.expression"), e.getMessage());
    }
}

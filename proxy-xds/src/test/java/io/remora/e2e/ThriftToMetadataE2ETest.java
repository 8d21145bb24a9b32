package io.remora.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.remora.testing.TempPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.protocol.TField;
import org.apache.thrift.protocol.TMessage;
import org.apache.thrift.protocol.TMessageType;
import org.apache.thrift.protocol.TStruct;
import org.apache.thrift.protocol.TType;
import org.apache.thrift.transport.TMemoryBuffer;
import org.apache.thrift.transport.layered.TFramedTransport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The thrift_to_metadata HTTP filter through a real proxy, read back with {@code %DYNAMIC_METADATA%}
 * in the access log: a framed compact call's method, protocol, transport, type and sequence id,
 * the upstream's binary reply type, on_missing for a body that is not Thrift, and the counters.
 */
class ThriftToMetadataE2ETest {

    @RegisterExtension
    static final E2EStack stack = E2EStack.checkingLeaks();

    @Test
    void requestAndResponseMessagesBecomeMetadata() throws Exception {
        byte[] reply = message(false, false, "greet", TMessageType.REPLY, 42, (short) 0);
        TestUpstream upstream = stack.upstream((ctx, req, n) -> {
            var resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.wrappedBuffer(reply));
            resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/x-thrift")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, reply.length);
            ctx.writeAndFlush(resp);
        });
        Path log = TempPaths.file("thrift-to-metadata-access", ".log");
        String routes = """
                - match: { prefix: "/" }
                  route: { cluster: app }
                """;
        String filters = """
                - name: envoy.filters.http.thrift_to_metadata
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.thrift_to_metadata.v3.ThriftToMetadata
                    request_rules:
                    - field: METHOD_NAME
                      on_present: { key: method }
                      on_missing: { key: method, value: unknown }
                    - field: PROTOCOL
                      on_present: { metadata_namespace: t, key: protocol }
                    - field: TRANSPORT
                      on_present: { metadata_namespace: t, key: transport }
                    - field: MESSAGE_TYPE
                      on_present: { metadata_namespace: t, key: type }
                    - field: SEQUENCE_ID
                      on_present: { metadata_namespace: t, key: seq }
                    - field: HEADER_FLAGS
                      on_missing: { metadata_namespace: t, key: flags, value: none }
                    response_rules:
                    - field: REPLY_TYPE
                      on_present: { metadata_namespace: r, key: reply }
                """;
        String yaml = stack.http(log.toString(), routes, Bootstraps.cluster("app", false, null, upstream.port()), "",
                filters);
        yaml = Bootstraps.logFormat(yaml, log, "%REQ(:PATH)% %DYNAMIC_METADATA(envoy.filters.http.thrift_to_metadata:method)%"
                + " %DYNAMIC_METADATA(t:protocol)% %DYNAMIC_METADATA(t:transport)% %DYNAMIC_METADATA(t:type)%"
                + " %DYNAMIC_METADATA(t:seq)% %DYNAMIC_METADATA(t:flags)% %DYNAMIC_METADATA(r:reply)%");
        ProxyProcess proxy = stack.start(yaml);

        post("/call", "application/x-thrift", message(true, true, "greet", TMessageType.CALL, 42, (short) 1));
        post("/garbage", "application/x-thrift", "not thrift at all".getBytes());
        post("/text", "text/plain", message(true, true, "greet", TMessageType.CALL, 7, (short) 1));
        List<String> lines = LogFiles.await(log, 3);
        assertEquals("/call greet compact framed call 42 none success", lines.get(0));
        assertEquals("/garbage unknown - - - - none success", lines.get(1),
                "a body that is not Thrift: on_missing of every request rule");
        assertEquals("/text - - - - - - success", lines.get(2), "a content type not allowed: nothing");
        assertEquals(1, proxy.stat("thrift_to_metadata.rq.success"));
        assertEquals(1, proxy.stat("thrift_to_metadata.rq.invalid_thrift_body"));
        assertEquals(1, proxy.stat("thrift_to_metadata.rq.mismatched_content_type"));
        assertEquals(3, proxy.stat("thrift_to_metadata.resp.success"));
    }

    private static void post(String path, String contentType, byte[] body) throws Exception {
        Path file = Files.createTempFile("thrift-body", ".bin");
        Files.write(file, body);
        Curl r = Curl.run("-H", "content-type: " + contentType, "--data-binary", "@" + file, stack.url(path));
        assertEquals(200, r.status());
    }

    /** A message whose struct has one string field ({@code field}), framed or not, compact or binary. */
    private static byte[] message(boolean framed, boolean compact, String name, byte type, int seqId, short field)
            throws Exception {
        TMemoryBuffer mem = new TMemoryBuffer(128);
        var transport = framed ? new TFramedTransport(mem) : mem;
        var p = compact ? new TCompactProtocol(transport) : new TBinaryProtocol(transport);
        p.writeMessageBegin(new TMessage(name, type, seqId));
        p.writeStructBegin(new TStruct("s"));
        p.writeFieldBegin(new TField("f", TType.STRING, field));
        p.writeString("hi");
        p.writeFieldEnd();
        p.writeFieldStop();
        p.writeStructEnd();
        p.writeMessageEnd();
        transport.flush();
        byte[] out = new byte[mem.length()];
        System.arraycopy(mem.getArray(), 0, out, 0, mem.length());
        return out;
    }
}

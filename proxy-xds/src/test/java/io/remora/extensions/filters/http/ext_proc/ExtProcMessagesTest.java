package io.remora.extensions.filters.http.ext_proc;

import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.extensions.filters.common.HeaderMutationChecker;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ExtProcMessagesTest {

    private static final HeaderMutationChecker ALLOW_ROUTING =
            new HeaderMutationChecker(true, false, false, false, null, null, false);

    private static HeaderMutation setHost(String v) {
        return HeaderMutation.newBuilder().addSetHeaders(HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey("host").setValue(v))
                .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)).build();
    }

    /** Envoy's request header map keeps HTTP/1's Host in :authority, so a processor's host lands there. */
    @Test
    void hostInRequestHeadersSetsTheAuthority() {
        Counter rejected = new SimpleMeterRegistry().counter("rejected");
        Http2Headers request = new DefaultHttp2Headers().authority("before.example");
        assertNull(ExtProcMessages.apply(setHost("after.example"), request, true, ALLOW_ROUTING, rejected));
        assertEquals("after.example", request.authority().toString());
        assertNull(request.get("host"));

        Http2Headers response = new DefaultHttp2Headers().status("200");
        assertNull(ExtProcMessages.apply(setHost("x.example"), response, false, ALLOW_ROUTING, rejected));
        assertEquals("x.example", response.get("host").toString());
        assertEquals(0.0, rejected.count());

        // Appending to it would append to a pseudo-header: refused and counted, as the rules refuse that.
        HeaderMutation append = HeaderMutation.newBuilder().addSetHeaders(HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey("host").setValue("more.example"))).build();
        assertNull(ExtProcMessages.apply(append, request, true, ALLOW_ROUTING, rejected));
        assertEquals("after.example", request.authority().toString());
        assertEquals(1.0, rejected.count());
    }
}

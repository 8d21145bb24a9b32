package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The router written {@code typed_config: {}}, as Envoy's own example configs have it
 * (configs/envoy_ext_authz.yaml, the bandwidth limit and gRPC reverse bridge docs): Envoy finds it
 * by name, and so does Remora; requests are routed to the upstream.
 */
class EmptyTypedConfigE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream upstream;

    /** The router's typed_config in {@link Bootstraps#http}, its {@code @type} line indented under it. */
    private static final String ROUTER_TYPE =
            "typed_config:\\n\\s+\"@type\": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "routed " + req.uri()));
        String yaml = stack.http(TempPaths.file("access", ".log").toString(), "- match: { prefix: \"/\" }\n  route: { cluster: web }",
                Bootstraps.cluster("web", false, null, upstream.port()));
        String empty = yaml.replaceFirst(ROUTER_TYPE, "typed_config: {}");
        assertTrue(!empty.equals(yaml) && empty.contains("typed_config: {}"), empty);
        stack.start(empty, List.of());
    }

    @Test
    void theRouterIsFoundByItsName() throws Exception {
        Curl c = Curl.run("http://127.0.0.1:" + stack.port + "/x");
        assertEquals(200, c.status());
        assertEquals("routed /x", c.text());
    }
}

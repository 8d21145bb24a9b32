package io.remora.xds.bootstrap;

import io.remora.config.Address;
import io.remora.config.ClusterConfig;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.ListenerConfig;
import io.remora.config.RouterFilterConfig;
import io.remora.xds.TestResources;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bootstraps pilot-agent really writes must load. */
class IstioBootstrapTest {

    @ParameterizedTest
    @ValueSource(strings = {"default", "auth", "authsds", "running", "runningsds", "all"})
    void istioBootstrapLoads(String variant) {
        LoadedBootstrap lb = new BootstrapLoader().load(TestResources.path("istio/bootstrap-" + variant + ".json"), null);
        var model = lb.model();

        ClusterConfig xds = model.clusters().get("xds-grpc");
        assertNotNull(xds, "xds-grpc cluster");
        Address a = xds.loadAssignment().endpoints().get(0).lbEndpoints().get(0).address();
        assertInstanceOf(Address.Pipe.class, a);
        assertEquals(ClusterConfig.UpstreamProtocol.HTTP2, xds.protocol());
        assertEquals(Duration.ofSeconds(1), xds.connectTimeout());

        ClusterConfig sds = model.clusters().get("sds-grpc");
        assertInstanceOf(Address.Pipe.class, sds.loadAssignment().endpoints().get(0).lbEndpoints().get(0).address());

        ListenerConfig prom = model.listeners().stream().filter(l -> l.name().equals("0.0.0.0_15090")).findFirst()
                .orElseThrow();
        assertEquals(new Address.Tcp("0.0.0.0", 15090), prom.address());
        var hcm = assertInstanceOf(HttpConnectionManagerConfig.class, prom.filterChains().get(0).terminalFilter());
        assertEquals("stats", hcm.statPrefix());
        // The three compressor filters are skipped; the router stays.
        assertEquals(1, hcm.httpFilters().size());
        assertInstanceOf(RouterFilterConfig.class, hcm.httpFilters().get(0).config());
        assertTrue(model.listeners().stream().anyMatch(l -> l.name().equals("0.0.0.0_15021")));
        assertNotNull(model.admin());
        assertEquals("sidecar~1.2.3.4~foo~bar", model.node().id());
        assertTrue(lb.warnings().stream().anyMatch(w -> w.contains("compressor")), lb.warnings().toString());
    }
}

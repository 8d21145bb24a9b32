package io.remora.e2e.xds;

import io.remora.testing.SocketServers;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The xDS stream goes through its envoy_grpc cluster as Envoy's does: the cluster's hosts, its load balancer, its
 * health checks; a stream that fails is opened again on another host. The control plane is the xds-grpc cluster's
 * second endpoint.
 */
class XdsClusterHostsE2ETest extends MeshTestBase {

    /** The ADS bootstrap with {@code first} as xds-grpc's first endpoint, before the control plane. */
    private String twoEndpoints(String first) {
        String cpEndpoint = "\n        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: "
                + cp.port + " } } }";
        String bootstrap = XdsProxy.adsBootstrap(cp.port, false);
        assertTrue(bootstrap.contains(cpEndpoint), bootstrap);
        return bootstrap.replace(cpEndpoint, "\n" + first + cpEndpoint);
    }

    @Test
    void aDeadFirstEndpointDoesNotKeepTheConfigAway() throws Exception {
        int dead = XdsProxy.freePort(); // nothing listens: its connection is refused
        cp.set(mesh.snapshot());
        proxy = XdsProxy.start(twoEndpoints("        - endpoint: { address: { socket_address: { address: 127.0.0.1,"
                + " port_value: " + dead + " } } }"));
        assertEquals("u-a", proxy.awaitReply("the config from the second endpoint serves", mesh.listenerPort, "/",
                x -> x.status() == 200).body());
    }

    @Test
    void aHostFailingItsHealthCheckIsNotPicked() throws Exception {
        List<Socket> held = new CopyOnWriteArrayList<>();
        // Accepts and never speaks: a gRPC stream on it would wait forever. Its health check (a TCP connect to a
        // port nobody listens on) fails, so the cluster's load balancer leaves it out.
        try (ServerSocket silent = new ServerSocket(0)) {
            SocketServers.acceptEach(silent, "silent-xds", held::add);
            int dead = XdsProxy.freePort();
            cp.set(mesh.snapshot());
            String bootstrap = twoEndpoints("        - endpoint:\n"
                    + "            address: { socket_address: { address: 127.0.0.1, port_value: " + silent.getLocalPort()
                    + " } }\n"
                    + "            health_check_config: { port_value: " + dead + " }") + """
                        health_checks:
                        - timeout: 1s
                          interval: 60s
                          no_traffic_interval: 60s
                          unhealthy_threshold: 1
                          healthy_threshold: 1
                          tcp_health_check: {}
                    """;
            proxy = XdsProxy.start(bootstrap);
            assertEquals("u-a", proxy.awaitReply("the config from the healthy host serves", mesh.listenerPort, "/",
                    x -> x.status() == 200).body());
            assertTrue(held.isEmpty(), "no connection to the unhealthy host: " + held.size());
        }
    }
}

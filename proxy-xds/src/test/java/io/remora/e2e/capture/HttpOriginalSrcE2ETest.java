package io.remora.e2e.capture;

import io.remora.e2e.ProxyProcess;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP filter envoy.filters.http.original_src in a network namespace of its own: the proxy
 * (as root, so with NET_ADMIN for transparent sockets) serves clients on two addresses and the
 * application sees each request come from its client's address, so upstream connections are
 * not shared across sources. The connection manager's XFF original IP detection runs first: a
 * request's detected address is the one bound.
 */
class HttpOriginalSrcE2ETest {

    static final String CLIENT_A = "10.77.0.2";
    static final String CLIENT_B = "10.77.0.3";
    static final String PROXY_IP = "10.77.0.1";
    static final String APP_IP = "10.77.0.9";
    static final int LISTENER = 18000;

    static final String BOOTSTRAP = """
            admin:
              address: { socket_address: { address: 127.0.0.1, port_value: ADMIN } }
            static_resources:
              listeners:
              - name: in
                address: { socket_address: { address: 0.0.0.0, port_value: LISTENER } }
                filter_chains:
                - filters:
                  - name: envoy.filters.network.http_connection_manager
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                      stat_prefix: in
                      original_ip_detection_extensions:
                      - name: envoy.http.original_ip_detection.xff
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.http.original_ip_detection.xff.v3.XffConfig }
                      http_filters:
                      - name: envoy.filters.http.original_src
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.original_src.v3.OriginalSrc, mark: 123 }
                      - name: envoy.filters.http.router
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                      route_config:
                        virtual_hosts:
                        - name: all
                          domains: ["*"]
                          routes: [{ match: { prefix: "/" }, route: { cluster: app } }]
              clusters:
              - name: app
                type: STATIC
                load_assignment:
                  cluster_name: app
                  endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: APP_IP, port_value: APP_PORT } } } }] }]
            """;

    @Test
    void theApplicationSeesEachRequestsClient() throws Exception {
        CapturedPod.assumeCapturePossible();
        try (Netns ns = Netns.create(Netns.PREFIX + "osrc")) {
            ns.exec("ip", "link", "set", "lo", "up");
            for (String ip : List.of(PROXY_IP, CLIENT_A, CLIENT_B, APP_IP)) {
                ns.exec("ip", "addr", "add", ip + "/32", "dev", "lo");
            }
            CapturedPod.awaitReady(ns.spawn(CapturedPod.javaCommand("serve", "app", "http=" + CapturedPod.APP_HTTP)),
                    "app");
            ProxyProcess.Launch launch = new ProxyProcess.Launch(ns.prefix(), ProxyProcess.readableClasspath(),
                    (port, path) -> CapturedPod.admin(ns, port, path));
            String yaml = BOOTSTRAP.replace("ADMIN", String.valueOf(CapturedPod.ADMIN))
                    .replace("LISTENER", String.valueOf(LISTENER)).replace("APP_IP", APP_IP)
                    .replace("APP_PORT", String.valueOf(CapturedPod.APP_HTTP));
            try (ProxyProcess proxy = ProxyProcess.start(launch, yaml, CapturedPod.ADMIN, List.of("-Xmx192m"))) {
                String url = "http://" + PROXY_IP + ":" + LISTENER;
                String a = CapturedPod.curl(ns, url + "/a", "--interface", CLIENT_A);
                assertTrue(a.startsWith("app saw " + CLIENT_A + ":"), a + "\n" + proxy.log());
                String b = CapturedPod.curl(ns, url + "/b", "--interface", CLIENT_B);
                assertTrue(b.startsWith("app saw " + CLIENT_B + ":"), "B's request has a connection of its own: " + b);
                String again = CapturedPod.curl(ns, url + "/c", "--interface", CLIENT_A);
                assertTrue(again.startsWith("app saw " + CLIENT_A + ":"), again);
                String detected = CapturedPod.curl(ns, url + "/d", "--interface", CLIENT_A,
                        "-H", "x-forwarded-for: " + CLIENT_B);
                assertTrue(detected.startsWith("app saw " + CLIENT_B + ":"),
                        "the address XFF detection settled on is bound: " + detected);
            }
        }
    }
}

package io.remora.e2e.xds;

import io.remora.e2e.TestUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Extension config discovery (ECDS) end to end, with LDS, CDS and the discovered filter's
 * TypedExtensionConfig all from path_config_source files: a header_mutation filter's config arrives,
 * is replaced in place (a keep-alive connection opened before sees the new config on its next
 * request and stays open), a config of a type the filter does not list is rejected while the last
 * one keeps serving; without any config the filter answers 500, with a default it serves that. A
 * discovered network filter (RBAC before tcp_proxy) closes connections until its config arrives.
 */
class EcdsFileE2ETest {
    static final String HEADER_MUTATION = "envoy.extensions.filters.http.header_mutation.v3.HeaderMutation";
    static final String NETWORK_RBAC = "envoy.extensions.filters.network.rbac.v3.RBAC";

    @TempDir
    Path dir;

    @Test
    void deliveredConfigIsSwappedInPlaceAndABadOneRejected() throws Exception {
        try (TestUpstream a = TestUpstream.text("u-a")) {
            int port = XdsProxy.freePort();
            Path ecds = ecdsFile("stamp", headerMutation("v1"));
            String filter = discovered("stamp", ecds, "");
            try (XdsProxy proxy = XdsProxy.start(bootstrap(port, a.port(), filter, ""))) {
                proxy.awaitReply("the listener", port, "/", r -> r.status() == 200);
                try (Socket kept = new Socket("127.0.0.1", port)) {
                    String first = XdsProxy.exchange(kept);
                    assertTrue(first.contains("x-ecds: v1"), first);

                    XdsFileConfigE2ETest.moveIntoPlace(ecds, ecds("2", "stamp", headerMutation("v2")));
                    XdsProxy.awaitRaw(port, "x-ecds: v2");
                    String again = XdsProxy.exchange(kept);
                    assertTrue(again.startsWith("HTTP/1.1 200"), again);
                    assertTrue(again.contains("x-ecds: v2"), "the open connection's next stream runs the new config: " + again);

                    // a Lua config where only header_mutation is accepted: rejected, v2 keeps serving
                    XdsFileConfigE2ETest.moveIntoPlace(ecds, ecds("3", "stamp",
                            "{ \"@type\": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua,"
                            + " default_source_code: { inline_string: \"function envoy_on_request(h) end\" } }"));
                    io.remora.xds.ads.TestControlPlane.await("the rejection", () -> proxy.metric("envoy_extension_config_discovery_config_fail",
                            "http_filter.stamp") >= 1);
                    String afterBad = XdsProxy.exchange(kept);
                    assertTrue(afterBad.contains("x-ecds: v2"), afterBad);
                }
                assertEquals(2.0, proxy.metric("envoy_extension_config_discovery_config_reload", "http_filter.stamp"));
                String dump = proxy.admin("/config_dump");
                assertTrue(dump.contains("EcdsConfigDump") && dump.contains("\"x-ecds\""), dump);
            }
        }
    }

    /**
     * A file holding two configs, the filter's among them: Envoy's filesystem subscription hands both to the
     * filter's FilterConfigSubscription, which refuses any count but one; the running config stays.
     */
    @Test
    void aFileWithTwoConfigsIsRejected() throws Exception {
        try (TestUpstream a = TestUpstream.text("u-a")) {
            int port = XdsProxy.freePort();
            Path ecds = ecdsFile("stamp", headerMutation("v1"));
            try (XdsProxy proxy = XdsProxy.start(bootstrap(port, a.port(), discovered("stamp", ecds, ""), ""))) {
                XdsProxy.awaitRaw(port, "x-ecds: v1");
                XdsFileConfigE2ETest.moveIntoPlace(ecds, ecds("2", "stamp", headerMutation("v2"))
                        + "- \"@type\": type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig"
                        + "\n  name: other\n  typed_config: " + headerMutation("other") + "\n");
                io.remora.xds.ads.TestControlPlane.await("the rejection", () -> proxy.metric(
                        "envoy_extension_config_discovery_config_fail", "http_filter.stamp") >= 1);
                String reply = XdsProxy.awaitRaw(port, "HTTP/1.1 200");
                assertTrue(reply.contains("x-ecds: v1"), "the running config stays: " + reply);
                assertEquals(1.0, proxy.metric("envoy_extension_config_discovery_config_reload", "http_filter.stamp"));
            }
        }
    }

    /**
     * A file whose one config is named otherwise than the filter asks: FilterConfigSubscription::onConfigUpdate
     * refuses it ({@code Unexpected resource name in ExtensionConfigDS response}); the running config stays.
     */
    @Test
    void aFileWhoseConfigIsNamedOtherwiseIsRejected() throws Exception {
        try (TestUpstream a = TestUpstream.text("u-a")) {
            int port = XdsProxy.freePort();
            Path ecds = ecdsFile("stamp", headerMutation("v1"));
            try (XdsProxy proxy = XdsProxy.start(bootstrap(port, a.port(), discovered("stamp", ecds, ""), ""))) {
                XdsProxy.awaitRaw(port, "x-ecds: v1");
                XdsFileConfigE2ETest.moveIntoPlace(ecds, ecds("2", "other", headerMutation("other")));
                io.remora.xds.ads.TestControlPlane.await("the rejection", () -> proxy.metric(
                        "envoy_extension_config_discovery_config_fail", "http_filter.stamp") >= 1);
                String reply = XdsProxy.awaitRaw(port, "HTTP/1.1 200");
                assertTrue(reply.contains("x-ecds: v1"), "the running config stays: " + reply);
                assertEquals(1.0, proxy.metric("envoy_extension_config_discovery_config_reload", "http_filter.stamp"));
            }
        }
    }

    @Test
    void withoutConfigTheFilterAnswers500AndADefaultServesUntilTheConfigComes() throws Exception {
        try (TestUpstream a = TestUpstream.text("u-a")) {
            int missingPort = XdsProxy.freePort();
            int defaultPort = XdsProxy.freePort();
            Path ecds = ecdsFile("unrelated", headerMutation("x"));
            // no default: the listener warms for 1 s, then serves without the config
            String missing = discovered("absent", ecds, "initial_fetch_timeout: 1s");
            String withDefault = discovered("later", ecds, "")
                    + "\n    default_config: " + headerMutation("default")
                    + "\n    apply_default_config_without_warming: true";
            try (XdsProxy proxy = XdsProxy.start(bootstrap(missingPort, a.port(), missing, listener("second", defaultPort, withDefault)))) {
                String reply = XdsProxy.awaitRaw(missingPort, "HTTP/1.1 500");
                assertEquals(0, a.requests.get(), "the missing config stops the request: " + reply);
                assertTrue(XdsProxy.awaitRaw(defaultPort, "HTTP/1.1 200").contains("x-ecds: default"));

                XdsFileConfigE2ETest.moveIntoPlace(ecds, ecds("2", "later", headerMutation("delivered")));
                XdsProxy.awaitRaw(defaultPort, "x-ecds: delivered");
            }
        }
    }

    @Test
    void aDiscoveredNetworkFilterClosesConnectionsWithoutConfigAndIsSwapped() throws Exception {
        try (TestUpstream a = TestUpstream.text("u-a")) {
            int port = XdsProxy.freePort();
            Path ecds = ecdsFile("unrelated", headerMutation("x"));
            String listener = "- \"@type\": type.googleapis.com/envoy.config.listener.v3.Listener"
                    + "\n  name: tcp"
                    + "\n  address: { socket_address: { address: 127.0.0.1, port_value: " + port + " } }"
                    + "\n  filter_chains:"
                    + "\n  - filters:"
                    + "\n    - name: guard"
                    + "\n      config_discovery:"
                    + "\n        config_source: { path_config_source: { path: \"" + ecds + "\" }, initial_fetch_timeout: 1s }"
                    + "\n        type_urls: [ \"type.googleapis.com/" + NETWORK_RBAC + "\" ]"
                    + "\n    - name: envoy.filters.network.tcp_proxy"
                    + "\n      typed_config: { \"@type\": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy,"
                    + " stat_prefix: t, cluster: cluster-a }\n";
            String bootstrap = bootstrap(XdsProxy.freePort(), a.port(), "", listener);
            try (XdsProxy proxy = XdsProxy.start(bootstrap)) {
                XdsProxy.awaitClosed(port);
                assertEquals(0, a.requests.get(), "without its config the filter chain is not built");

                XdsFileConfigE2ETest.moveIntoPlace(ecds, ecds("2", "guard", rbac("ALLOW")));
                XdsProxy.awaitRaw(port, "u-a");
                XdsFileConfigE2ETest.moveIntoPlace(ecds, ecds("3", "guard", rbac("DENY")));
                XdsProxy.awaitClosed(port);
                assertEquals(2.0, proxy.metric("envoy_extension_config_discovery_config_reload", "network_filter.guard"));
            }
        }
    }

    private static String rbac(String action) {
        return "{ \"@type\": type.googleapis.com/" + NETWORK_RBAC + ", stat_prefix: guard, rules: { action: " + action
                + ", policies: { all: { permissions: [ { any: true } ], principals: [ { any: true } ] } } } }";
    }

    /** The ECDS file, holding one config at version 1. */
    private Path ecdsFile(String name, String typedConfig) throws IOException {
        Path ecds = dir.resolve("ecds.yaml");
        Files.writeString(ecds, ecds("1", name, typedConfig));
        return ecds;
    }

    /** An HTTP filter whose config comes from {@code file}, accepting header_mutation configs (an http_filters item). */
    private static String discovered(String name, Path file, String sourceExtra) {
        return "- name: " + name
                + "\n  config_discovery:"
                + "\n    config_source: { path_config_source: { path: \"" + file + "\" }"
                + (sourceExtra.isEmpty() ? "" : ", " + sourceExtra) + " }"
                + "\n    type_urls: [ \"type.googleapis.com/" + HEADER_MUTATION + "\" ]";
    }

    private static String headerMutation(String value) {
        return "{ \"@type\": type.googleapis.com/" + HEADER_MUTATION + ", mutations: { response_mutations: [ { append:"
                + " { header: { key: x-ecds, value: " + value + " }, append_action: OVERWRITE_IF_EXISTS_OR_ADD } } ] } }";
    }

    private static String ecds(String version, String name, String typedConfig) {
        return "version_info: \"" + version + "\"\nresources:"
                + "\n- \"@type\": type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig"
                + "\n  name: " + name
                + "\n  typed_config: " + typedConfig + "\n";
    }

    /** An LDS resource: an HTTP listener to cluster-a with {@code filters} before the router. */
    private static String listener(String name, int port, String filters) {
        String indented = ("\n" + filters).replace("\n", "\n        ");
        return "- \"@type\": type.googleapis.com/envoy.config.listener.v3.Listener"
                + "\n  name: " + name
                + "\n  address: { socket_address: { address: 127.0.0.1, port_value: " + port + " } }"
                + "\n  filter_chains:"
                + "\n  - filters:"
                + "\n    - name: envoy.filters.network.http_connection_manager"
                + "\n      typed_config:"
                + "\n        \"@type\": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"
                + "\n        stat_prefix: " + name
                + "\n        route_config: { virtual_hosts: [ { name: all, domains: [\"*\"], routes: [ { match: { prefix: \"/\" }, route: { cluster: cluster-a } } ] } ] }"
                + "\n        http_filters:" + indented
                + "\n        - name: envoy.filters.http.router"
                + "\n          typed_config: { \"@type\": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }\n";
    }

    private String bootstrap(int port, int upstreamPort, String filters, String moreListeners) throws IOException {
        Path lds = dir.resolve("lds.yaml");
        Path cds = dir.resolve("cds.yaml");
        Files.writeString(lds, "version_info: \"1\"\nresources:\n" + listener("first", port, filters) + moreListeners);
        Files.writeString(cds, XdsFileConfigE2ETest.cds("1", upstreamPort, upstreamPort));
        return XdsFileConfigE2ETest.bootstrap(lds, cds);
    }
}

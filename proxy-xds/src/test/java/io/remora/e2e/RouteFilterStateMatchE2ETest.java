package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A route's {@code match.filter_state} (Envoy's RouteEntryImplBase::matchRoute): every matcher
 * must match the request's filter state, whose parent is the connection's; here a network
 * set_filter_state value. The route is chosen before the HTTP filters run (Envoy's
 * refreshCachedRoute in decodeHeaders), so a value an HTTP filter sets later does not choose it.
 */
class RouteFilterStateMatchE2ETest {

    @Test
    void routesOnTheFilterStateOfTheConnection() throws Exception {
        int admin = ProxyProcess.freePort();
        int port = ProxyProcess.freePort();
        String network = Bootstraps.setFilterState("network", "on_new_connection", """
                - object_key: tier
                  factory_key: envoy.string
                  format_string: { text_format_source: { inline_string: "tier-%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%" } }
                """);
        String http = Bootstraps.setFilterState("http", "on_request_headers", """
                - object_key: late
                  factory_key: envoy.string
                  format_string: { text_format_source: { inline_string: "%REQ(x-late)%" } }
                """);
        String routes = """
                - match:
                    prefix: /
                    filter_state:
                    - { key: tier, string_match: { exact: tier-10.0.0.1 } }
                  direct_response: { status: 200, body: { inline_string: "another address" } }
                - match:
                    prefix: /
                    filter_state:
                    - { key: tier, string_match: { prefix: tier-127. } }
                    - { key: absent, string_match: { safe_regex: { regex: ".*" } } }
                  direct_response: { status: 200, body: { inline_string: "never: absent is never set" } }
                - match:
                    prefix: /
                    filter_state:
                    - { key: late, string_match: { exact: yes } }
                  direct_response: { status: 200, body: { inline_string: "set after the route was chosen" } }
                - match:
                    prefix: /
                    filter_state:
                    - { key: tier, string_match: { prefix: tier-127. } }
                  direct_response: { status: 200, body: { inline_string: "loopback route" } }
                - match: { prefix: / }
                  direct_response: { status: 200, body: { inline_string: "other route" } }
                """;
        String yaml = Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(), routes, "", network, http);
        try (ProxyProcess proxy = ProxyProcess.start(yaml, admin, List.of())) {
            assertEquals("loopback route", Curl.get(port, "/", "x-late: yes").text());
        }
    }
}

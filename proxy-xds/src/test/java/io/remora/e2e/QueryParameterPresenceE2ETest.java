package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code QueryParameterMatcher.present_match}: true wants the parameter, false wants it absent (Envoy's
 * default {@code enable_new_query_param_present_match_behavior}); a matcher with neither
 * {@code string_match} nor {@code present_match} is a presence check. Names and values are matched
 * as sent, without percent-decoding (Envoy's matchRoute parses the query with parseQueryString).
 */
class QueryParameterPresenceE2ETest {

    @Test
    void presentMatchFalseMatchesOnlyWithoutTheParameter() throws Exception {
        try (TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String routes = """
                    - match: { prefix: /, query_parameters: [ { name: debug, present_match: false } ] }
                      route: { cluster: up }
                      response_headers_to_add: [ { header: { key: x-route, value: no-debug } } ]
                    - match: { prefix: /, query_parameters: [ { name: trace } ] }
                      route: { cluster: up }
                      response_headers_to_add: [ { header: { key: x-route, value: trace } } ]
                    - match: { prefix: / }
                      route: { cluster: up }
                      response_headers_to_add: [ { header: { key: x-route, value: fallback } } ]
                    """;
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.http(admin, port,
                    TempPaths.file("access", ".log").toString(), routes,
                    Bootstraps.cluster("up", false, null, up.port())), admin)) {
                assertEquals("no-debug", Curl.get(port, "/a?x=1").header("x-route"));
                assertEquals("no-debug", Curl.get(port, "/a").header("x-route"));
                assertEquals("trace", Curl.get(port, "/a?debug=1&trace").header("x-route"));
                assertEquals("fallback", Curl.get(port, "/a?debug").header("x-route"));
                assertEquals(4, up.requests.get());
            }
        }
    }

    @Test
    void namesAndValuesAreMatchedAsSent() throws Exception {
        try (TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String routes = """
                    - match: { prefix: /, query_parameters: [ { name: q, string_match: { exact: "a b" } } ] }
                      direct_response: { status: 200, body: { inline_string: decoded } }
                    - match: { prefix: /, query_parameters: [ { name: q, string_match: { exact: "a%20b" } } ] }
                      direct_response: { status: 200, body: { inline_string: as-sent } }
                    - match: { prefix: /, query_parameters: [ { name: debug } ] }
                      direct_response: { status: 200, body: { inline_string: debug } }
                    - match: { prefix: / }
                      direct_response: { status: 200, body: { inline_string: fallback } }
                    """;
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.http(admin, port,
                    TempPaths.file("access", ".log").toString(), routes,
                    Bootstraps.cluster("up", false, null, up.port())), admin)) {
                assertEquals("as-sent", Curl.get(port, "/a?q=a%20b").text());
                assertEquals("fallback", Curl.get(port, "/a?de%62ug=1").text(), "an encoded name is another name");
                assertEquals("debug", Curl.get(port, "/a?debug=%31").text());
            }
        }
    }
}

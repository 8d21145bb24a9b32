package io.remora.route;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static io.remora.route.Fixtures.config;
import static io.remora.route.Fixtures.prefix;
import static io.remora.route.Fixtures.request;
import static io.remora.route.Fixtures.route;
import static io.remora.route.Fixtures.vhostName;
import static io.remora.route.Fixtures.vhost;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VirtualHostSelectionTest {

    private static final RouteTable TABLE = RouteTable.compile(config(
            vhost("exact", List.of("foo.bar.com", "Mixed.Case.COM", "port.com:8080"), route("r", prefix("/"))),
            vhost("suffix-short", List.of("*.bar.com"), route("r", prefix("/"))),
            vhost("suffix-long", List.of("*-baz.bar.com", "*.port.com:8080"), route("r", prefix("/"))),
            vhost("prefix-short", List.of("api.*"), route("r", prefix("/"))),
            vhost("prefix-long", List.of("api.internal.*"), route("r", prefix("/"))),
            vhost("default", List.of("*"), route("r", prefix("/")))));

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            // exact beats every wildcard, case-insensitively on both sides
            "foo.bar.com, exact",
            "FOO.Bar.com, exact",
            "mixed.case.com, exact",
            // suffix wildcards, longest first
            "x.bar.com, suffix-short",
            "qux-baz.bar.com, suffix-long",
            "a.b-baz.bar.com, suffix-long",
            // the wildcard must cover at least one character
            "-baz.bar.com, suffix-short",
            ".bar.com, default",
            // suffix wins over prefix
            "api.bar.com, suffix-short",
            // prefix wildcards, longest first
            "api.example.org, prefix-short",
            "api.internal.example, prefix-long",
            "api., default",
            // ports are part of the Host as matched: a domain without port does not match with one
            "foo.bar.com:80, default",
            "port.com:8080, exact",
            "port.com, default",
            "x.port.com:8080, suffix-long",
            "nothing.example, default",
    })
    void precedence(String host, String expected) {
        assertEquals(expected, vhostName(TABLE, request(host, "/")));
    }

    @Test
    void noDefaultMeansNoRoute() {
        RouteTable t = RouteTable.compile(config(vhost("a", List.of("a.com"), route("r", prefix("/")))));
        assertNull(t.route(request("b.com", "/"), 0));
        assertNull(t.route(request(null, "/"), 0));
        assertEquals("a", vhostName(t, request("a.com", "/")));
    }

    @Test
    void onlyDefaultRoutesEvenWithoutHost() {
        RouteTable t = RouteTable.compile(config(vhost("d", List.of("*"), route("r", prefix("/")))));
        assertEquals("d", vhostName(t, request(null, "/")));
    }

    @Test
    void withDomainsAMissingHostSelectsNothing() {
        assertNull(TABLE.route(request(null, "/"), 0));
    }

    @ParameterizedTest(name = "ignore port: {0} -> {1}")
    @CsvSource({
            "foo.com:8080, foo",
            "foo.com, foo",
            "x.foo.com:443, wild",
            "[::1]:80, v6",
            "[::1], v6",
            "foo.com:notaport, default",
    })
    void ignorePortInHostMatching(String host, String expected) {
        RouteTable t = RouteTable.compile(config(
                vhost("foo", List.of("foo.com"), route("r", prefix("/"))),
                vhost("wild", List.of("*.foo.com"), route("r", prefix("/"))),
                vhost("v6", List.of("[::1]"), route("r", prefix("/"))),
                vhost("default", List.of("*"), route("r", prefix("/")))).withOptions(true, false));
        assertEquals(expected, vhostName(t, request(host, "/")));
    }

    @Test
    void duplicateDomainsAreRejected() {
        var cfg = config(
                vhost("a", List.of("foo.com"), route("r", prefix("/"))),
                vhost("b", List.of("FOO.com"), route("r", prefix("/"))));
        List<String> problems = RouteTable.validate(cfg);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("virtual_hosts[1].domains[0]"), problems.get(0));
        assertThrows(IllegalArgumentException.class, () -> RouteTable.compile(cfg));
    }

    @Test
    void twoDefaultHostsAreRejected() {
        var cfg = config(
                vhost("a", List.of("*"), route("r", prefix("/"))),
                vhost("b", List.of("*"), route("r", prefix("/"))));
        assertTrue(RouteTable.validate(cfg).get(0).contains("only a single wildcard domain"));
    }

    @Test
    void manyHosts() {
        var hosts = new io.remora.config.VirtualHost[1000];
        for (int i = 0; i < hosts.length; i++) {
            hosts[i] = vhost("vh" + i, List.of("svc" + i + ".ns.svc.cluster.local", "svc" + i + ".ns.svc.cluster.local:80"),
                    route("r", prefix("/")));
        }
        RouteTable t = RouteTable.compile(config(hosts));
        for (int i = 0; i < hosts.length; i += 37) {
            assertEquals("vh" + i, vhostName(t, request("svc" + i + ".ns.svc.cluster.local:80", "/")));
        }
        assertNull(t.route(request("svc1000.ns.svc.cluster.local", "/"), 0));
    }

    /** Envoy's SslRequirements, before the routes: ALL unless x-forwarded-proto is https; EXTERNAL_ONLY spares x-envoy-internal. */
    @Test
    void requireTlsRedirectsWhatIsNotHttps() {
        io.remora.config.VirtualHost all = io.remora.config.VirtualHost.builder("all", List.of("all.com"),
                List.of(route("r", prefix("/only"), Fixtures.forward("c")))).requireTls(
                io.remora.config.VirtualHost.TlsRequirement.ALL).build();
        io.remora.config.VirtualHost external = io.remora.config.VirtualHost.builder("ext", List.of("ext.com"),
                List.of(route("r", prefix("/"), Fixtures.forward("c")))).requireTls(
                io.remora.config.VirtualHost.TlsRequirement.EXTERNAL_ONLY).build();
        RouteTable t = RouteTable.compile(config(all, external));
        RouteEntry r = t.route(request("all.com", "/elsewhere?x=1"), 0);
        assertEquals("https://all.com/elsewhere?x=1", r.redirectLocation(request("all.com", "/elsewhere?x=1")));
        io.netty.handler.codec.http2.Http2Headers https = request("all.com", "/only");
        https.set("x-forwarded-proto", "https");
        assertNull(t.route(https, 0).redirectLocation(https));
        io.netty.handler.codec.http2.Http2Headers internal = request("ext.com", "/");
        internal.set("x-forwarded-proto", "http");
        assertEquals("https://ext.com/", t.route(internal, 0).redirectLocation(internal));
        internal.set("x-envoy-internal", "true");
        assertNull(t.route(internal, 0).redirectLocation(internal));
    }
}

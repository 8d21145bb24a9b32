package io.remora.xds.translate;

import io.remora.config.HttpFilterEntry;
import io.remora.config.AccessLogConfig;
import io.remora.config.Address;
import io.remora.config.ClusterConfig;
import io.remora.config.ClusterSpecifier;
import io.remora.config.DirectResponseAction;
import io.remora.config.ForwardAction;
import io.remora.config.HeaderMutation;
import io.remora.config.Http2Options;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.ListenerConfig;
import io.remora.config.RedirectAction;
import io.remora.config.RetryPolicy;
import io.remora.config.RouteMatch;
import io.remora.config.RouterFilterConfig;
import io.remora.config.ServerConfig;
import io.remora.config.StringMatcher;
import io.remora.config.TcpProxyConfig;
import io.remora.config.VirtualHost;
import io.remora.xds.TestResources;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.bootstrap.LoadedBootstrap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A bootstrap with tcp_proxy, an HTTP connection manager, routes and clusters, field by field. */
class RepresentativeConfigTest {

    static LoadedBootstrap loaded;
    static ServerConfig model;

    @BeforeAll
    static void load() {
        loaded = new BootstrapLoader().load(TestResources.path("configs/representative.yaml"), null);
        model = loaded.model();
    }

    @Test
    void nodeAndAdmin() {
        assertEquals("node-1", model.node().id());
        assertEquals("test-cluster", model.node().cluster());
        assertEquals("edge", model.node().metadata().get("team"));
        assertEquals(3.0, model.node().metadata().get("replicas"));
        assertEquals(new Address.Tcp("127.0.0.1", 9901), model.admin().address());
        assertEquals("/tmp/admin.log", model.admin().accessLogPath());
        assertEquals(Duration.ofSeconds(600), model.drainTime());
        assertEquals(List.of(), loaded.warnings());
    }

    @Test
    void tcpProxyListener() {
        ListenerConfig l = model.listeners().get(0);
        assertEquals("tcp", l.name());
        assertEquals(new Address.Tcp("0.0.0.0", 10001), l.address());
        assertTrue(l.bindToPort());
        assertFalse(l.useOriginalDst());
        assertEquals(1024 * 1024, l.perConnectionBufferLimitBytes());
        assertEquals(Duration.ofSeconds(15), l.listenerFiltersTimeout());
        TcpProxyConfig t = assertInstanceOf(TcpProxyConfig.class, l.filterChains().get(0).terminalFilter());
        assertEquals("tcp_stats", t.statPrefix());
        assertEquals(Duration.ofHours(1), t.idleTimeout());
        assertEquals(3, t.maxConnectAttempts());
        var w = assertInstanceOf(ClusterSpecifier.Weighted.class, t.cluster());
        assertEquals(4, w.totalWeight());
        assertEquals("dns_backend", w.clusters().get(1).name());
        AccessLogConfig log = t.accessLogs().get(0);
        assertEquals(AccessLogConfig.Sink.FILE, log.sink());
        assertEquals("/tmp/tcp.log", log.path());
        assertEquals("%DOWNSTREAM_REMOTE_ADDRESS% %BYTES_SENT%\n", log.textFormat());
    }

    @Test
    void httpConnectionManagerDefaults() {
        ListenerConfig l = model.listeners().get(1);
        assertEquals(32768, l.perConnectionBufferLimitBytes());
        assertEquals(List.of(ListenerConfig.ListenerFilter.TLS_INSPECTOR), l.listenerFilters());
        assertEquals("raw_buffer", l.filterChains().get(0).match().transportProtocol());
        var h = assertInstanceOf(HttpConnectionManagerConfig.class, l.filterChains().get(0).terminalFilter());
        assertEquals("ingress_http", h.statPrefix());
        assertEquals(HttpConnectionManagerConfig.CodecType.AUTO, h.codecType());
        assertEquals(Duration.ofMinutes(5), h.streamIdleTimeout());
        assertEquals(Duration.ZERO, h.requestTimeout());
        assertEquals(Duration.ofHours(1), h.idleTimeout());
        assertEquals(Duration.ofSeconds(5), h.drainTimeout());
        assertEquals(Duration.ofSeconds(1), h.delayedCloseTimeout(), "Envoy's default delayed_close_timeout");
        assertEquals(60, h.maxRequestHeadersKb());
        assertEquals(100, h.maxRequestHeadersCount());
        assertTrue(h.useRemoteAddress());
        assertEquals(1, h.xffNumTrustedHops());
        assertTrue(h.generateRequestId());
        assertEquals("envoy", h.serverName());
        assertEquals(HttpConnectionManagerConfig.ServerHeaderTransformation.OVERWRITE, h.serverHeaderTransformation());
        assertEquals(Http2Options.DEFAULT, h.http2Options());
        assertNull(h.rdsName());
        assertEquals(List.of(HttpFilterEntry.of(new RouterFilterConfig(true))), h.httpFilters());
        AccessLogConfig log = h.accessLogs().get(0);
        assertEquals(AccessLogConfig.Sink.STDOUT, log.sink());
        assertEquals(Map.of("status", "%RESPONSE_CODE%", "path", "%REQ(:PATH)%"), log.jsonFormat());
    }

    @Test
    void routes() {
        var h = (HttpConnectionManagerConfig) model.listeners().get(1).filterChains().get(0).terminalFilter();
        var rc = h.routeConfig();
        assertEquals("local_route", rc.name());
        assertEquals(rc, model.routeConfigs().get("local_route"));
        assertEquals(4096, rc.maxDirectResponseBodySizeBytes());
        var add = rc.requestHeaders().add().get(0);
        assertEquals(new HeaderMutation.HeaderValueOption("x-from", "remora",
                HeaderMutation.AppendAction.OVERWRITE_IF_EXISTS_OR_ADD, false), add);

        VirtualHost api = rc.virtualHosts().get(0);
        assertEquals(List.of("api.example.com", "api.example.com:*"), api.domains());
        assertEquals(Set.of(RetryPolicy.RetryOn.FIVE_XX, RetryPolicy.RetryOn.RESET, RetryPolicy.RetryOn.CONNECT_FAILURE),
                api.retryPolicy().retryOn());
        assertEquals(1, api.retryPolicy().numRetries());
        assertEquals(Duration.ofMillis(25), api.retryPolicy().baseInterval());
        assertEquals(Duration.ofMillis(250), api.retryPolicy().maxInterval());

        var r0 = api.routes().get(0);
        assertEquals(new RouteMatch.Prefix("/v1/"), r0.match().path());
        assertTrue(r0.match().caseSensitive());
        var hm = r0.match().headers().get(0);
        assertEquals("x-version", hm.name());
        assertEquals(new StringMatcher.Exact("beta", false), hm.stringMatch());
        assertEquals(Boolean.TRUE, r0.match().headers().get(1).presentMatch());
        assertEquals(new StringMatcher.Prefix("abc", true), r0.match().queryParameters().get(0).stringMatch());
        var fwd = assertInstanceOf(ForwardAction.class, r0.action());
        assertEquals(new ClusterSpecifier.Single("backend"), fwd.cluster());
        assertEquals("/", fwd.prefixRewrite());
        assertEquals(Duration.ZERO, fwd.timeout());
        // The route names no upgrade: the connection manager's upgrade_configs (websocket) apply.
        assertNull(fwd.upgrades().enabled("websocket"));
        assertEquals(List.of(new HttpConnectionManagerConfig.Upgrade("websocket", true, null)), h.upgrades());
        RetryPolicy rp = fwd.retryPolicy();
        assertEquals(Set.of(RetryPolicy.RetryOn.RETRIABLE_STATUS_CODES, RetryPolicy.RetryOn.GATEWAY_ERROR), rp.retryOn());
        assertEquals(4, rp.numRetries());
        assertEquals(Set.of(409), rp.retriableStatusCodes());
        assertEquals(Duration.ofMillis(100), rp.baseInterval());
        assertEquals(Duration.ofSeconds(1), rp.maxInterval());
        assertTrue(rp.retryOtherHosts());
        assertEquals(5, rp.hostSelectionRetryMaxAttempts());
        assertEquals(List.of(ForwardAction.MirrorPolicy.of("dns_backend",
                new io.remora.runtime.FractionalPercent(10, io.remora.runtime.FractionalPercent.Denominator.HUNDRED))), fwd.mirrors());

        var r1 = api.routes().get(1);
        var re = assertInstanceOf(RouteMatch.SafeRegex.class, r1.match().path());
        assertTrue(re.regex().matcher("/items/42").matches());
        var f1 = (ForwardAction) r1.action();
        assertEquals(Duration.ofSeconds(15), f1.timeout());
        var w = assertInstanceOf(ClusterSpecifier.Weighted.class, f1.cluster());
        assertEquals(100, w.totalWeight());
        assertEquals("x-split", w.clusters().get(0).requestHeaders().add().get(0).key());
        assertEquals(HeaderMutation.AppendAction.APPEND_IF_EXISTS_OR_ADD,
                w.clusters().get(0).requestHeaders().add().get(0).action());

        VirtualHost fb = rc.virtualHosts().get(1);
        var redirect = assertInstanceOf(RedirectAction.class, fb.routes().get(0).action());
        assertEquals(302, redirect.responseCode());
        assertEquals("https", redirect.schemeRedirect());
        assertEquals("/new", redirect.pathRedirect());
        assertEquals(new DirectResponseAction(200, "ok"), fb.routes().get(1).action());
    }

    @Test
    void clusters() {
        assertEquals(List.of("backend", "dns_backend", "eds_cluster"), List.copyOf(model.clusters().keySet()));
        ClusterConfig b = model.clusters().get("backend");
        assertEquals(ClusterConfig.DiscoveryType.STATIC, b.type());
        assertEquals(ClusterConfig.LbPolicy.LEAST_REQUEST, b.lbPolicy());
        assertEquals(3, b.leastRequestChoiceCount());
        assertEquals(Duration.ofMillis(250), b.connectTimeout());
        assertEquals(ClusterConfig.UpstreamProtocol.HTTP2, b.protocol());
        assertEquals(50, b.http2Options().maxConcurrentStreams());
        assertEquals(Duration.ofSeconds(30), b.upstreamIdleTimeout());
        assertEquals(100, b.maxRequestsPerConnection());
        assertEquals(new ClusterConfig.CircuitBreakers(10, 1024, 1024, 3), b.circuitBreakers());
        assertEquals(3, b.outlierDetection().consecutive5xx());
        assertEquals(Duration.ofSeconds(10), b.outlierDetection().interval());
        assertEquals(Duration.ofSeconds(30), b.outlierDetection().baseEjectionTime());
        assertEquals(10, b.outlierDetection().maxEjectionPercent());
        var eps = b.loadAssignment().endpoints().get(0);
        assertEquals("z1", eps.locality().zone());
        assertEquals(2, eps.lbEndpoints().get(0).loadBalancingWeight());
        assertEquals(1, eps.lbEndpoints().get(1).loadBalancingWeight());
        assertEquals(new Address.Tcp("::1", 8081), eps.lbEndpoints().get(1).address());
        assertNull(b.transportSocket());

        ClusterConfig d = model.clusters().get("dns_backend");
        assertEquals(ClusterConfig.DiscoveryType.STRICT_DNS, d.type());
        assertEquals(ClusterConfig.LbPolicy.ROUND_ROBIN, d.lbPolicy());
        assertEquals(Duration.ofSeconds(5), d.connectTimeout());
        assertEquals(Duration.ofSeconds(5), d.dnsRefreshRate());
        assertEquals(ClusterConfig.DnsLookupFamily.V4_ONLY, d.dnsLookupFamily());
        assertEquals(ClusterConfig.UpstreamProtocol.HTTP1, d.protocol());
        assertEquals(ClusterConfig.CircuitBreakers.DEFAULT, d.circuitBreakers());
        assertEquals(Duration.ofHours(1), d.upstreamIdleTimeout());
        assertEquals(0, d.maxRequestsPerConnection());
        assertNull(d.outlierDetection());
        var tls = d.transportSocket();
        assertEquals(List.of("default"), tls.certificateSdsNames());
        assertEquals("ROOTCA", tls.validationSdsName());
        assertEquals("example.com", tls.sni());
        assertEquals(List.of("h2", "http/1.1"), tls.alpnProtocols());
        assertEquals(List.of(new io.remora.config.SanMatcher(io.remora.config.SanMatcher.Type.URI,
                        new StringMatcher.Exact("spiffe://cluster.local/ns/default/sa/backend", false))),
                tls.validation().sanMatchers());

        ClusterConfig e = model.clusters().get("eds_cluster");
        assertEquals(ClusterConfig.DiscoveryType.EDS, e.type());
        assertEquals("svc-a", e.edsServiceName());
        assertNull(e.loadAssignment());
    }
}

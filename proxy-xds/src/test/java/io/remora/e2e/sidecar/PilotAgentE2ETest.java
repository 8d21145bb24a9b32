package io.remora.e2e.sidecar;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.remora.e2e.capture.Netns;
import io.remora.testing.TestCerts;
import io.remora.xds.TestResources;
import io.remora.xds.ads.TestControlPlane;
import io.remora.xds.ads.XdsResourceType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Remora as pilot-agent runs Envoy in Istio's proxy image: the image's {@code /usr/local/bin/envoy} wrapper
 * (docker/istio/envoy, through bin/remora) started with pilot-agent's exact argv (pkg/envoy/proxy.go) on Istio's
 * generated bootstrap (the fixture's bootstrap-authsds.json, only the xDS socket path changed), in a network
 * namespace of its own so Istio's fixed ports (15000, 15021, 15090) are free. java-control-plane plays
 * pilot-agent's two Unix-socket servers: delta ADS on the xds-grpc pipe, SDS on the sds-grpc pipe
 * (./var/run/secrets/workload-spiffe-uds/test.sock, relative to the proxy's working directory as in the pod); a
 * stand-in for pilot-agent's status server answers the 15021 readiness route the way pilot-agent's probe does.
 * The proxy runs as istio-proxy (uid and gid 1337), as the injected container does.
 */
class PilotAgentE2ETest {
    private static final String SDS_SOCKET = "var/run/secrets/workload-spiffe-uds/test.sock";
    private static final String SERVER_ID = "spiffe://cluster.local/ns/foo/sa/bar";
    private static final String CLIENT_ID = "spiffe://cluster.local/ns/default/sa/client";
    /** pkg/envoy/proxy.go's arguments (drain 45 s as Istio's default, one log level, two workers). */
    private static final List<String> PILOT_AGENT_ARGS = List.of("--drain-time-s", "45", "--drain-strategy", "immediate",
            "--local-address-ip-version", "v4", "--file-flush-interval-msec", "1000", "--disable-hot-restart",
            "--allow-unknown-static-fields", "-l", "warning", "--component-log-level", "misc:error", "--concurrency", "2");

    @TempDir
    Path dir;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private static final ConfigSource SDS_GRPC = ConfigSource.newBuilder()
            .setApiConfigSource(ApiConfigSource.newBuilder().setApiType(ApiConfigSource.ApiType.GRPC)
                    .setTransportApiVersion(ApiVersion.V3).setSetNodeOnFirstMessageOnly(true)
                    .addGrpcServices(GrpcService.newBuilder().setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder()
                            .setClusterName("sds-grpc"))))
            .setInitialFetchTimeout(com.google.protobuf.Duration.getDefaultInstance())
            .setResourceApiVersion(ApiVersion.V3).build();

    /** Istio's inbound mTLS shape on 15006: certificate "default" and roots "ROOTCA" from sds-grpc; a fixed answer. */
    private static Listener inbound() {
        DownstreamTlsContext tls = DownstreamTlsContext.newBuilder()
                .setRequireClientCertificate(BoolValue.of(true))
                .setCommonTlsContext(CommonTlsContext.newBuilder()
                        .addAlpnProtocols("http/1.1")
                        .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName("default").setSdsConfig(SDS_GRPC))
                        .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                                .setDefaultValidationContext(CertificateValidationContext.getDefaultInstance())
                                .setValidationContextSdsSecretConfig(SdsSecretConfig.newBuilder().setName("ROOTCA")
                                        .setSdsConfig(SDS_GRPC))))
                .build();
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder().setStatPrefix("inbound_0.0.0.0_15006")
                .setRouteConfig(RouteConfiguration.newBuilder().setName("inbound|8080||").addVirtualHosts(
                        VirtualHost.newBuilder().setName("inbound|http|8080").addDomains("*").addRoutes(Route.newBuilder()
                                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                .setDirectResponse(DirectResponseAction.newBuilder().setStatus(200)
                                        .setBody(DataSource.newBuilder().setInlineString("hello from the mesh"))))))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        return Listener.newBuilder().setName("virtualInbound")
                .setAddress(io.envoyproxy.envoy.config.core.v3.Address.newBuilder().setSocketAddress(
                        io.envoyproxy.envoy.config.core.v3.SocketAddress.newBuilder().setAddress("0.0.0.0").setPortValue(15006)))
                .addFilterChains(FilterChain.newBuilder()
                        .addFilters(Filter.newBuilder().setName("envoy.filters.network.http_connection_manager")
                                .setTypedConfig(Any.pack(hcm)))
                        .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
                                .setTypedConfig(Any.pack(tls))))
                .build();
    }

    private static Cluster blackHole() {
        return Cluster.newBuilder().setName("BlackHoleCluster").setType(Cluster.DiscoveryType.STATIC)
                .setConnectTimeout(com.google.protobuf.util.Durations.fromSeconds(10)).build();
    }

    private static Secret cert(TestCerts.Leaf leaf) {
        return Secret.newBuilder().setName("default").setTlsCertificate(TlsCertificate.newBuilder()
                .setCertificateChain(DataSource.newBuilder().setInlineString(leaf.certPem()))
                .setPrivateKey(DataSource.newBuilder().setInlineString(leaf.keyPem()))).build();
    }

    private static Secret roots(String pem) {
        return Secret.newBuilder().setName("ROOTCA").setValidationContext(CertificateValidationContext.newBuilder()
                .setTrustedCa(DataSource.newBuilder().setInlineString(pem))).build();
    }

    private static Snapshot secrets(String version, Secret... s) {
        return Snapshot.create(List.of(), List.of(), List.of(), List.of(), List.of(s), version);
    }

    @Test
    void pilotAgentStartsRemoraInEnvoysPlace() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.remora.testing.HostTools.root(), "needs root for a network namespace (Istio's fixed ports); skipped");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")),
                "needs setpriv (util-linux) to run the proxy as uid 1337; skipped");
        TestCerts.Ca ca = TestCerts.ca("istio-ca");
        Path certs = dir.resolve("certs");
        ca.issue("client", CLIENT_ID).write(certs, "client");
        Files.writeString(certs.resolve("roots.pem"), ca.pem());
        TestCerts.Leaf server1 = ca.issue("workload-1", SERVER_ID);
        TestCerts.Leaf server2 = ca.issue("workload-2", SERVER_ID);

        // pilot-agent's side: xDS and SDS servers on Unix sockets
        Path cwd = dir.resolve("pod");
        Files.createDirectories(cwd.resolve(SDS_SOCKET).getParent());
        Path xdsSocket = dir.resolve("XDS");
        TestControlPlane xds = new TestControlPlane().startUds(xdsSocket.toString());
        closeables.add(xds);
        TestControlPlane sds = new TestControlPlane().startUds(cwd.resolve(SDS_SOCKET).toString());
        closeables.add(sds);
        xds.set(Snapshot.create(List.of(blackHole()), List.of(), List.of(inbound()), List.of(), List.of(), "1"));

        String fixture = TestResources.text("istio/bootstrap-authsds.json");
        assertTrue(fixture.contains("\"/tmp/XDS\"") && fixture.contains("\"./" + SDS_SOCKET + "\""));
        Path bootstrap = cwd.resolve("envoy-rev.json");
        Files.writeString(bootstrap, fixture.replace("\"/tmp/XDS\"", "\"" + xdsSocket + "\""));
        // The proxy runs as istio-proxy (1337), as in the pod: it must reach its bootstrap and both
        // sockets, which pilot-agent (here root) serves; a socket is connected to with write permission.
        openTo1337(dir, cwd.resolve(SDS_SOCKET).getParent(), bootstrap);
        for (Path socket : List.of(xdsSocket, cwd.resolve(SDS_SOCKET))) {
            Files.setPosixFilePermissions(socket, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        }

        Netns pod = Netns.create("pilot");
        closeables.add(pod);
        Path repo = Path.of("").toAbsolutePath().getParent();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> status = new ArrayList<>(pod.prefix());
        status.addAll(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                PilotAgentStatus.class.getName(), "15020", "15000"));
        Process agent = new ProcessBuilder(status).redirectErrorStream(true)
                .redirectOutput(dir.resolve("agent.log").toFile()).start();
        closeables.add(() -> stop(agent));

        List<String> envoy = new ArrayList<>(pod.prefix());
        envoy.addAll(List.of("setpriv", "--reuid", PROXY_UID, "--regid", PROXY_UID, "--clear-groups"));
        envoy.add(repo.resolve("docker/istio/envoy").toString());
        envoy.addAll(List.of("-c", "envoy-rev.json"));
        envoy.addAll(PILOT_AGENT_ARGS);
        ProcessBuilder pb = new ProcessBuilder(envoy).directory(cwd.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("remora.log").toFile());
        Map<String, String> env = pb.environment();
        env.put("REMORA_HOME", repo.toString()); // the image's /opt/remora: bin/remora, here run from the classes
        env.put("REMORA_CLASSPATH", io.remora.e2e.ProxyProcess.readableClasspath());
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("REMORA_JAVA_OPTS", "-Xmx256m -Dio.netty.leakDetection.level=paranoid");
        Process remora = pb.start();
        closeables.add(() -> stop(remora));
        Supplier<String> log = () -> read(dir.resolve("remora.log")) + "\n--- agent:\n" + read(dir.resolve("agent.log"))
                + "\n--- 15021: " + curl(pod, "http://127.0.0.1:15021/healthz/ready")
                + "\n--- admin /ready: " + curl(pod, "http://127.0.0.1:15000/ready")
                + "\n--- admin stats: " + curl(pod, "http://127.0.0.1:15000/stats?filter=lds|cds|server.state|workers|sds|ssl");

        // the control plane hears from the node of the bootstrap, over delta ADS on the socket
        await("the first delta request", () -> xds.deltaRequests.stream().anyMatch(DeltaDiscoveryRequest::hasNode), log);
        DeltaDiscoveryRequest first = xds.awaitDeltaRequest("the first delta request", DeltaDiscoveryRequest::hasNode);
        assertEquals("sidecar~1.2.3.4~foo~bar", first.getNode().getId(), log.get());
        assertEquals("remora", first.getNode().getUserAgentName());
        // ip netns exec, setpriv, the wrapper and bin/remora each exec the next: the process is the JVM
        assertEquals(PROXY_UID, uidOf(remora.pid()), "the proxy runs as istio-proxy");
        var sdsRequest = sds.awaitRequest("the secrets, asked for on the SDS socket",
                r -> r.getTypeUrl().equals(XdsResourceType.SECRET.typeUrl) && r.getResourceNamesCount() == 2);
        assertEquals("sidecar~1.2.3.4~foo~bar", sdsRequest.getNode().getId());

        // listeners warm on their secrets (initial_fetch_timeout 0s): the server is not initialized, so no
        // listener listens yet, Istio's readiness route on 15021 included (as Envoy's workers start only then:
        // a probe meets a refused connection), while the admin answers 503
        Thread.sleep(1500);
        assertTrue(remora.isAlive(), log.get());
        String notReady = curl(pod, "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:15021/healthz/ready");
        assertTrue(notReady.contains("(7)") && notReady.endsWith("000"), log.get());
        assertEquals("503", curl(pod, "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:15000/ready"),
                log.get());

        sds.set(secrets("s1", cert(server1), roots(ca.pem())));
        await("ready on 15021", () -> curl(pod, "-o", "/dev/null", "-w", "%{http_code}",
                "http://127.0.0.1:15021/healthz/ready").equals("200"), log);
        // a workload certificate names a SPIFFE identity, not a host: curl checks the chain only (-k skips the
        // host name); the identity is what s_client shows below
        String mtls = curl(pod, "-k", "--cert", certs.resolve("client-cert.pem").toString(), "--key",
                certs.resolve("client-key.pem").toString(), "https://127.0.0.1:15006/");
        assertEquals("hello from the mesh", mtls, log.get());
        assertTrue(subject(pod, certs).contains("workload-1"), log.get());
        assertTrue(curl(pod, "http://127.0.0.1:15090/stats/prometheus").contains("envoy_server_live"),
                "Istio's Prometheus listener (15090) serves the proxy's stats");

        // rotation over the SDS stream: the next handshake presents the new certificate
        sds.set(secrets("s2", cert(server2), roots(ca.pem())));
        await("the rotated certificate", () -> subject(pod, certs).contains("workload-2"), log);
        sds.awaitSotwAck(XdsResourceType.SECRET.typeUrl, "s2");

        // pilot-agent stops the proxy with SIGTERM after draining: it exits 0
        remora.destroy();
        assertTrue(remora.waitFor(60, TimeUnit.SECONDS), log.get());
        assertEquals(0, remora.exitValue(), log.get());
        assertFalse(log.get().contains("LEAK"), log.get());
    }

    /** Istio's proxy uid and gid (istio-proxy), which its capture rules exempt. */
    private static final String PROXY_UID = "1337";

    /** Lets others traverse every directory from dir down to each path, and read the files. */
    private static void openTo1337(Path dir, Path... paths) throws IOException {
        for (Path p : paths) {
            for (Path q = p; q != null && q.startsWith(dir); q = q.getParent()) {
                Files.setPosixFilePermissions(q, java.nio.file.attribute.PosixFilePermissions.fromString(
                        Files.isDirectory(q) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }

    /** The real uid of a process, from /proc. */
    private static String uidOf(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("Uid:")) {
                return line.split("\\s+")[1];
            }
        }
        return "?";
    }

    private static String curl(Netns ns, String... args) {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "5"));
        cmd.addAll(List.of(args));
        try {
            return ns.execQuietly(cmd.toArray(String[]::new)).trim();
        } catch (IOException | InterruptedException e) {
            return e.toString();
        }
    }

    /** The subject of the certificate the workload presents on 15006 (openssl s_client with a client cert). */
    private static String subject(Netns ns, Path certs) {
        try {
            String out = ns.execQuietly("sh", "-c", "openssl s_client -connect 127.0.0.1:15006 -cert "
                    + certs.resolve("client-cert.pem") + " -key " + certs.resolve("client-key.pem") + " -CAfile "
                    + certs.resolve("roots.pem") + " </dev/null 2>&1");
            return out.lines().filter(l -> l.startsWith("subject")).findFirst().orElse(out);
        } catch (IOException | InterruptedException e) {
            return e.toString();
        }
    }

    private static void await(String what, java.util.function.BooleanSupplier p, Supplier<String> log) throws InterruptedException {
        // generous: a loaded 2-core machine starts a JVM and reads Envoy's descriptors slowly
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (p.getAsBoolean()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for " + what + "\n" + log.get());
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}

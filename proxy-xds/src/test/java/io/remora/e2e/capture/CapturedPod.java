package io.remora.e2e.capture;

import io.remora.e2e.ProxyProcess;
import io.remora.testing.HostTools;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A pod as Kubernetes and Istio make it, in miniature: a pod network namespace joined to a peer
 * namespace by a veth pair, Istio's iptables rules (from istio-iptables' golden output) in the
 * pod, an application in the pod, and Remora in the pod as Istio runs its proxy (uid/gid 1337;
 * gid 1337 with NET_ADMIN in TPROXY mode). The
 * peer stands for the rest of the cluster: it runs a service the pod calls (outbound) and the
 * clients that call the pod (inbound).
 */
final class CapturedPod implements AutoCloseable {
    static final String POD_IP = "10.213.7.2";
    static final String PEER_IP = "10.213.7.1";
    /** The ports the TPROXY golden captures inbound (istio-iptables' test input); the app serves on them. */
    static final int APP_HTTP = 32000;
    static final int APP_TCP = 31000;
    static final int PEER_HTTP = 9080;
    static final int PEER_TCP = 9090;
    static final int PEER_GRPC = 9092;
    /** Inbound gRPC: only REDIRECT mode captures it (the TPROXY golden captures 32000 and 31000). */
    static final int APP_GRPC = 32001;
    /** A peer port no service listener knows: outbound traffic to it takes PassthroughCluster. */
    static final int PEER_TCP_UNKNOWN = 9091;
    static final int ADMIN = 15000;
    static final int PROXY_UID = 1337;

    enum Mode { REDIRECT, TPROXY }

    final Mode mode;
    final Netns pod;
    final Netns peer;
    final List<IstioIptables.Rule> rules;
    ProxyProcess remora;
    /** The peer's own sidecar, when the peer is a captured pod too ({@link #createMesh}). */
    ProxyProcess peerRemora;

    private CapturedPod(Mode mode, Netns pod, Netns peer, List<IstioIptables.Rule> rules) {
        this.mode = mode;
        this.pod = pod;
        this.peer = peer;
        this.rules = rules;
    }

    /** Skips (with the reason) where namespaces and iptables cannot be used: not root, no iptables. */
    static void assumeCapturePossible() {
        assumeTrue(HostTools.root(), "capture tests need root (network namespaces, iptables); skipped");
        assumeTrue(HostTools.onPath("iptables"), "capture tests need iptables (apt-get install iptables); skipped");
        assumeTrue(HostTools.onPath("ip"), "capture tests need ip (apt-get install iproute2); skipped");
        assumeTrue(HostTools.onPath("setpriv"), "capture tests need setpriv (util-linux) to run the proxy as uid 1337; skipped");
        assumeTrue(HostTools.onPath("curl"), "capture tests need curl; skipped");
    }

    /**
     * Builds the namespaces and installs Istio's rules for the mode; anything that fails on the
     * way is undone. The golden files are installed as they are, plus Istio's rule for the
     * injector's default {@code --includeOutboundIPRanges '*'} (see {@link IstioIptables#OUTBOUND_ALL}).
     */
    static CapturedPod create(Mode mode) throws Exception {
        return create(mode, false);
    }

    /**
     * Two pods of the mesh: the peer gets Istio's REDIRECT rules too (and later its own sidecar,
     * {@link #startPeerRemora}), so traffic between the two apps is captured on both sides.
     */
    static CapturedPod createMesh() throws Exception {
        return create(Mode.REDIRECT, true);
    }

    private static CapturedPod create(Mode mode, boolean peerCaptured) throws Exception {
        assumeCapturePossible();
        long id = ProcessHandle.current().pid();
        Netns pod = null;
        Netns peer = null;
        try {
            pod = Netns.create("pod-" + id);
            peer = Netns.create("peer-" + id);
            pod.exec("ip", "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", peer.name);
            pod.exec("ip", "addr", "add", POD_IP + "/24", "dev", "eth0");
            peer.exec("ip", "addr", "add", PEER_IP + "/24", "dev", "eth0");
            pod.exec("ip", "link", "set", "eth0", "up");
            peer.exec("ip", "link", "set", "eth0", "up");
            List<IstioIptables.Rule> rules = new ArrayList<>(IstioIptables.golden(
                    mode == Mode.TPROXY ? "iptables-tproxy.golden" : "iptables-redirect.golden"));
            rules.add(IstioIptables.OUTBOUND_ALL);
            IstioIptables.install(pod, rules);
            if (peerCaptured) {
                List<IstioIptables.Rule> peerRules = new ArrayList<>(IstioIptables.golden("iptables-redirect.golden"));
                peerRules.add(IstioIptables.OUTBOUND_ALL);
                IstioIptables.install(peer, peerRules);
            }
            if (mode == Mode.TPROXY) {
                // What istio-iptables runs beside the rules in TPROXY mode (not part of the golden
                // output): packets marked 1337 are delivered locally, to the transparent sockets.
                pod.exec("ip", "-f", "inet", "rule", "add", "fwmark", "1337", "lookup", "133");
                pod.exec("ip", "-f", "inet", "route", "add", "local", "default", "dev", "lo", "table", "133");
            }
            return new CapturedPod(mode, pod, peer, rules);
        } catch (Exception | Error e) {
            closeQuietly(pod);
            closeQuietly(peer);
            throw e;
        }
    }

    private static void closeQuietly(Netns ns) {
        if (ns != null) {
            try {
                ns.close();
            } catch (Exception ignored) {
                // best effort on the failure path
            }
        }
    }

    /** Starts the application in the pod and the service in the peer; returns once both listen. */
    void startWorkloads() throws Exception {
        awaitReady(pod.spawn(javaCommand("serve", "app", "http=" + APP_HTTP, "tcp=" + APP_TCP, "grpc=" + APP_GRPC)),
                "app");
        // The peer's service port is client-first, as a mesh peer's TCP must be for the metadata
        // exchange (MtlsCaptureE2ETest); the unknown port keeps a server-first greeting.
        awaitReady(peer.spawn(javaCommand("serve", "peer", "http=" + PEER_HTTP, "tcp-client-first=" + PEER_TCP,
                "tcp=" + PEER_TCP_UNKNOWN, "grpc=" + PEER_GRPC)), "peer");
    }

    /**
     * Starts Remora in the pod as Istio's injector runs the proxy container, and returns once it
     * is ready. REDIRECT: uid and gid 1337. TPROXY: {@code runAsGroup: 1337} with NET_ADMIN and
     * no {@code runAsUser}, i.e. uid 0, gid 1337, no capability but NET_ADMIN (transparent
     * sockets, SO_MARK); the golden's gid-owner rules are what keep its traffic uncaptured, and
     * its transparent connections to the app (with the client's address) are not redirected
     * back, which a uid-1337 proxy's would be.
     */
    void startRemora(String bootstrapYaml) throws Exception {
        remora = startRemora(pod, mode, bootstrapYaml);
    }

    /** The peer's sidecar, as Istio runs it in REDIRECT mode (uid and gid 1337). */
    void startPeerRemora(String bootstrapYaml) throws Exception {
        peerRemora = startRemora(peer, Mode.REDIRECT, bootstrapYaml);
    }

    private static ProxyProcess startRemora(Netns ns, Mode mode, String bootstrapYaml) throws Exception {
        List<String> prefix = new ArrayList<>(ns.prefix());
        if (mode == Mode.TPROXY) {
            prefix.addAll(List.of("setpriv", "--regid", String.valueOf(PROXY_UID), "--clear-groups",
                    "--bounding-set", "-all,+net_admin", "--inh-caps", "-all,+net_admin"));
        } else {
            prefix.addAll(List.of("setpriv", "--reuid", String.valueOf(PROXY_UID), "--regid", String.valueOf(PROXY_UID),
                    "--clear-groups"));
        }
        ProxyProcess.Launch launch = new ProxyProcess.Launch(prefix, ProxyProcess.readableClasspath(),
                (port, path) -> admin(ns, port, path));
        return ProxyProcess.start(launch, bootstrapYaml, ADMIN, List.of("-Xmx192m", "-XX:TieredStopAtLevel=1"));
    }

    static ProxyProcess.AdminResponse admin(Netns ns, int port, String path) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(ns.prefix());
        cmd.addAll(List.of("curl", "-sS", "--max-time", "5", "-o", "-", "-w", "\n%{http_code}",
                "http://127.0.0.1:" + port + path));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        if (p.exitValue() != 0) {
            throw new IOException("admin " + path + ": " + out.trim());
        }
        int nl = out.lastIndexOf('\n');
        return new ProxyProcess.AdminResponse(Integer.parseInt(out.substring(nl + 1).trim()), out.substring(0, nl));
    }

    /** curl from a namespace (as root, not the proxy's uid); the body, or the failure as text. */
    static String curl(Netns ns, String url, String... extra) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10"));
        cmd.addAll(List.of(extra));
        cmd.add(url);
        return ns.execQuietly(cmd.toArray(String[]::new)).trim();
    }

    /** A gRPC unary call from a namespace: the answer, or the failure as text. */
    String grpc(Netns ns, String host, int port, String message) throws IOException, InterruptedException {
        return withoutChatter(ns.execQuietly(javaCommand("grpc-client", host, String.valueOf(port), message)
                .toArray(String[]::new)));
    }

    /** A TCP exchange from a namespace: the server's greeting line, then the echo of line. */
    String tcp(Netns ns, String host, int port, String line) throws IOException, InterruptedException {
        return withoutChatter(ns.execQuietly(javaCommand("tcp-client", host, String.valueOf(port), line)
                .toArray(String[]::new)));
    }

    /** The client's output without the logging library's start-up notes. */
    private static String withoutChatter(String out) {
        StringBuilder sb = new StringBuilder();
        for (String l : out.split("\n")) {
            if (!l.startsWith("SLF4J:")) {
                sb.append(l).append('\n');
            }
        }
        return sb.toString().trim();
    }

    static List<String> javaCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                CaptureApp.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static void awaitReady(Process p, String what) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String line; ; ) {
            line = r.readLine();
            if (line == null) {
                throw new IllegalStateException(what + " did not start: " + seen);
            }
            if (line.equals("ready")) {
                break;
            }
            seen.append(line).append('\n'); // library chatter (logging set-up) before the app is up
        }
        // Keep draining so the workload never blocks on a full pipe.
        Thread drain = new Thread(() -> {
            try {
                p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException ignored) {
                // the process ended
            }
        }, "drain-" + what);
        drain.setDaemon(true);
        drain.start();
    }

    /** What to show when an assertion fails: the rules in force and the proxy's log. */
    String diagnostics() {
        return "\n--- iptables-save (pod) ---\n" + IstioIptables.dump(pod)
                + "\n--- remora log ---\n" + (remora == null ? "<not started>" : remora.log())
                + (peerRemora == null ? "" : "\n--- peer's remora log ---\n" + peerRemora.log());
    }

    @Override
    public void close() throws Exception {
        try {
            if (remora != null) {
                remora.close();
            }
        } finally {
            try {
                if (peerRemora != null) {
                    peerRemora.close();
                }
            } finally {
                closeQuietly(pod);
                closeQuietly(peer);
            }
        }
    }
}

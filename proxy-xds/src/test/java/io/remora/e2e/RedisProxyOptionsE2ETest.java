package io.remora.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The redis proxy's options against real redis-server processes: enable_hashtagging keeps
 * {tag} keys on one shard, a request_mirror_policy copies writes (not reads) to another server,
 * an ERROR fault answers a listed command, MOVED replies are followed with enable_redirection,
 * custom_commands are forwarded, and bytes that are not RESP close the connection.
 */
class RedisProxyOptionsE2ETest {

    @Test
    void hashtagsMirrorsFaultsAndRedirections() throws Exception {
        try (RedisServer a = RedisServer.start(); RedisServer b = RedisServer.start();
             RedisServer mirror = RedisServer.start(); RedisServer target = RedisServer.start();
             ServerSocket mover = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> moveEverything(mover, "127.0.0.1", target.port));
            t.setDaemon(true);
            t.start();
            int admin = ProxyProcess.freePort();
            Map<String, Integer> ports = Map.of("opts", ProxyProcess.freePort(), "moved", ProxyProcess.freePort());
            String listeners = """
                    - name: opts
                      address: { socket_address: { address: 127.0.0.1, port_value: ${opts} } }
                      filter_chains:
                      - filters:
                        - name: envoy.filters.network.redis_proxy
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.filters.network.redis_proxy.v3.RedisProxy
                            stat_prefix: opts
                            settings: { op_timeout: 5s, enable_hashtagging: true }
                            custom_commands: [ "GETEX" ]
                            faults:
                            - fault_type: ERROR
                              fault_enabled: { default_value: { numerator: 100 } }
                              commands: [ "incr" ]
                            prefix_routes:
                              catch_all_route:
                                cluster: shards
                                request_mirror_policy: [{ cluster: mirror, exclude_read_commands: true }]
                    - name: moved
                      address: { socket_address: { address: 127.0.0.1, port_value: ${moved} } }
                      filter_chains:
                      - filters:
                        - name: envoy.filters.network.redis_proxy
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.filters.network.redis_proxy.v3.RedisProxy
                            stat_prefix: moved
                            settings: { op_timeout: 5s, enable_redirection: true }
                            prefix_routes: { catch_all_route: { cluster: mover } }
                    """;
            String clusters = Bootstraps.cluster("shards", false, "  lb_policy: RING_HASH\n", a.port, b.port) + "\n"
                    + Bootstraps.cluster("mirror", false, "", mirror.port) + "\n"
                    + Bootstraps.cluster("mover", false, "", mover.getLocalPort());
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.listeners(admin, listeners, clusters, ports), admin);
                 RedisServer.Client c = new RedisServer.Client(ports.get("opts"));
                 RedisServer.Client ca = a.client(); RedisServer.Client cb = b.client();
                 RedisServer.Client cm = mirror.client()) {
                for (int i = 0; i < 20; i++) {
                    assertEquals("OK", c.call("SET", "{user7}:field" + i, "v"));
                }
                long onA = Long.parseLong(ca.call("DBSIZE").substring(1));
                long onB = Long.parseLong(cb.call("DBSIZE").substring(1));
                assertTrue(onA == 20 && onB == 0 || onA == 0 && onB == 20, "one shard holds the tag: " + onA + "/" + onB);

                assertEquals(":20", cm.call("DBSIZE"), "writes are mirrored");
                assertEquals("v", c.call("GET", "{user7}:field0"));
                assertEquals("OK", c.call("SET", "plain", "x"));
                assertEquals("x", cm.call("GET", "plain"));

                assertEquals("-Fault Injected: Error", c.call("INCR", "counter"));
                assertEquals("(nil)", ca.call("GET", "counter"));
                assertEquals("(nil)", cb.call("GET", "counter"));
                assertEquals(":1", c.call("INCRBY", "counter", "1"), "only INCR is faulted");
                try (RedisServer.Client other = new RedisServer.Client(ports.get("moved"))) {
                    assertEquals("-unsupported command 'getex'", other.call("getex", "plain"), "not custom there");
                }
                assertEquals("x", c.call("getex", "plain"), "a custom command goes to its first argument's shard");

                try (RedisServer.Client moved = new RedisServer.Client(ports.get("moved"));
                     RedisServer.Client ct = target.client()) {
                    assertEquals("OK", moved.call("SET", "k", "followed"));
                    assertEquals("followed", ct.call("GET", "k"), "the MOVED reply was followed");
                    assertEquals("followed", moved.call("GET", "k"));
                }

                try (RedisServer.Client raw = new RedisServer.Client(ports.get("opts"))) {
                    raw.sendRaw("this is not resp\r\n");
                    assertEquals("-downstream protocol error", raw.read());
                    assertTrue(raw.closedByPeer());
                }
                assertEquals(1, proxy.stat("redis.opts.command.incr.error_fault"));
                assertEquals(1, proxy.stat("redis.opts.command.incr.error"));
                assertEquals(1, proxy.stat("redis.opts.downstream_cx_protocol_error"));
                assertEquals(1, proxy.stat("redis.opts.command.getex.total"));
            }
        }
    }

    /**
     * With dns_cache_config a redirection may name a host: it is looked up in the cache, then
     * followed (Envoy's redis cluster with hostnames in CLUSTER SLOTS/MOVED, e.g. ElastiCache).
     * Without the cache the same reply is the client's answer.
     */
    @Test
    void redirectionsToHostNamesWithADnsCache() throws Exception {
        try (RedisServer target = RedisServer.start();
             ServerSocket mover = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> moveEverything(mover, "localhost", target.port));
            t.setDaemon(true);
            t.start();
            int admin = ProxyProcess.freePort();
            Map<String, Integer> ports = Map.of("dns", ProxyProcess.freePort(), "nodns", ProxyProcess.freePort());
            String fields = """
                    settings: { op_timeout: 5s, enable_redirection: true%s }
                    prefix_routes: { catch_all_route: { cluster: mover } }
                    """;
            String listeners = RedisProxyE2ETest.listener("dns", fields.formatted(
                            ", dns_cache_config: { name: redis_dns, dns_lookup_family: V4_ONLY }"))
                    + RedisProxyE2ETest.listener("nodns", fields.formatted(""));
            String clusters = Bootstraps.cluster("mover", false, "", mover.getLocalPort());
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.listeners(admin, listeners, clusters, ports), admin);
                 RedisServer.Client dns = new RedisServer.Client(ports.get("dns"));
                 RedisServer.Client nodns = new RedisServer.Client(ports.get("nodns"));
                 RedisServer.Client ct = target.client()) {
                assertEquals("OK", dns.call("SET", "k", "by-name"));
                assertEquals("by-name", ct.call("GET", "k"), "the MOVED reply naming localhost was followed");
                assertEquals("by-name", dns.call("GET", "k"), "and again from the cache");
                assertEquals("-MOVED 0 localhost:" + target.port, nodns.call("GET", "k"),
                        "without a DNS cache a host name cannot be followed");
                assertEquals(1, proxy.stat("dns_cache.redis_dns.dns_query_success"));
            }
        }
    }

    /** A redis that sends every command elsewhere: "-MOVED 0 host:port" for each request. */
    private static void moveEverything(ServerSocket server, String host, int port) {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> {
                    try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                        byte[] buf = new byte[4096];
                        int n;
                        while ((n = in.read(buf)) > 0) {
                            // One reply per request: each starts with '*'.
                            for (int i = 0; i < n; i++) {
                                if (buf[i] == '*') {
                                    out.write(("-MOVED 0 " + host + ":" + port + "\r\n").getBytes(StandardCharsets.UTF_8));
                                }
                            }
                            out.flush();
                        }
                    } catch (Exception ignored) {
                        // the proxy went away
                    }
                });
                t.setDaemon(true);
                t.start();
            } catch (Exception e) {
                return;
            }
        }
    }
}

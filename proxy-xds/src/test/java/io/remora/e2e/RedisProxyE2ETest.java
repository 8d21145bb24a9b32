package io.remora.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * envoy.filters.network.redis_proxy in front of real redis-server processes: keys sharded over
 * two servers by a MAGLEV cluster (each server holds only its keys), MGET/MSET/DEL split per key
 * and recombined, a prefix route with remove_prefix, downstream AUTH, upstream AUTH from the
 * cluster's RedisProtocolOptions, op_timeout against a peer that never answers, Envoy's error
 * replies, the redis health checker failing a stopped server and a server holding the
 * maintenance key, and the stats.
 */
class RedisProxyE2ETest {

    /** A redis_proxy listener {@code name} (its port ${name}, its stat_prefix name) with these filter fields. */
    static String listener(String name, String fields) {
        return """
                - name: %s
                  address: { socket_address: { address: 127.0.0.1, port_value: ${%s} } }
                  filter_chains:
                  - filters:
                    - name: envoy.filters.network.redis_proxy
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.redis_proxy.v3.RedisProxy
                        stat_prefix: %s
                %s
                """.formatted(name, name, name, Bootstraps.indent(fields, 8));
    }

    @Test
    void proxiesShardsAuthenticatesAndTimesOut() throws Exception {
        try (RedisServer a = RedisServer.start(); RedisServer b = RedisServer.start();
             RedisServer third = RedisServer.start(); RedisServer guarded = RedisServer.start("--requirepass", "up-pass");
             RedisServer doomed = RedisServer.start();
             ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> held = new ArrayList<>();
            Thread acceptor = new Thread(() -> {
                while (!silent.isClosed()) {
                    try {
                        held.add(silent.accept()); // read nothing, answer nothing
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            int admin = ProxyProcess.freePort();
            Map<String, Integer> ports = Map.of("main", ProxyProcess.freePort(), "auth", ProxyProcess.freePort(),
                    "upauth", ProxyProcess.freePort(), "slow", ProxyProcess.freePort());
            String listeners = listener("main", """
                    settings: { op_timeout: 5s, enable_command_stats: true }
                    prefix_routes:
                      routes:
                      - prefix: "pre:"
                        remove_prefix: true
                        cluster: third
                      catch_all_route: { cluster: shards }
                    """) + listener("auth", """
                    settings: { op_timeout: 5s }
                    downstream_auth_passwords: [{ inline_string: s3cret }]
                    prefix_routes: { catch_all_route: { cluster: shards } }
                    """) + listener("upauth", """
                    settings: { op_timeout: 5s }
                    prefix_routes: { catch_all_route: { cluster: guarded } }
                    """) + listener("slow", """
                    settings: { op_timeout: 0.5s }
                    prefix_routes: { catch_all_route: { cluster: silent } }
                    """);
            String clusters = Bootstraps.cluster("shards", false, "  lb_policy: MAGLEV\n", a.port, b.port) + "\n"
                    + Bootstraps.cluster("third", false, "", third.port) + "\n"
                    + Bootstraps.cluster("guarded", false, """
                      typed_extension_protocol_options:
                        envoy.filters.network.redis_proxy:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.redis_proxy.v3.RedisProtocolOptions
                          auth_password: { inline_string: up-pass }
                    """ + Bootstraps.fastHealthCheck("""
                    custom_health_check: { name: envoy.health_checkers.redis }
                    """), guarded.port) + "\n"
                    + Bootstraps.cluster("silent", false, "", silent.getLocalPort()) + "\n"
                    + Bootstraps.cluster("checked", false, Bootstraps.fastHealthCheck("""
                    custom_health_check:
                      name: envoy.health_checkers.redis
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.health_checkers.redis.v3.Redis
                        key: maint
                    """), third.port, doomed.port);
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.listeners(admin, listeners, clusters, ports), admin);
                 RedisServer.Client c = new RedisServer.Client(ports.get("main"));
                 RedisServer.Client direct = third.client()) {
                assertEquals("OK", c.call("SET", "greeting", "hello"));
                assertEquals("hello", c.call("get", "greeting"));
                assertEquals("PONG", c.call("PING"));

                // Sharding: every key lands on exactly one server, and both servers get some.
                int onA = 0;
                try (RedisServer.Client ca = a.client(); RedisServer.Client cb = b.client()) {
                    for (int i = 0; i < 40; i++) {
                        assertEquals("OK", c.call("SET", "key" + i, "v" + i));
                    }
                    for (int i = 0; i < 40; i++) {
                        String ga = ca.call("GET", "key" + i);
                        String gb = cb.call("GET", "key" + i);
                        assertTrue(ga.equals("(nil)") != gb.equals("(nil)"), "key" + i + " on exactly one server");
                        onA += ga.equals("(nil)") ? 0 : 1;
                        assertEquals("v" + i, c.call("GET", "key" + i));
                    }
                    assertTrue(onA > 0 && onA < 40, "both shards hold keys: " + onA + " of 40 on the first");

                    // MSET/MGET/DEL: one request per key, replies recombined in order.
                    assertEquals("OK", c.call("MSET", "m1", "a", "m2", "b", "m3", "c", "m4", "d"));
                    assertEquals("[a, b, (nil), c, d]", c.call("MGET", "m1", "m2", "missing", "m3", "m4"));
                    assertEquals(":4", c.call("EXISTS", "m1", "m2", "m3", "m4", "missing"));
                    assertEquals(":3", c.call("DEL", "m1", "m2", "m3", "missing"));
                    assertEquals("[(nil), d]", c.call("MGET", "m1", "m4"));
                    assertEquals(42, Long.parseLong(ca.call("DBSIZE").substring(1))
                            + Long.parseLong(cb.call("DBSIZE").substring(1)), "40 keys, greeting and m4");
                }

                // Prefix route: the prefix is removed before the key reaches its cluster.
                assertEquals("OK", c.call("SET", "pre:alpha", "1"));
                assertEquals("1", direct.call("GET", "alpha"));
                assertEquals("(nil)", direct.call("GET", "pre:alpha"));
                assertEquals("1", c.call("GET", "pre:alpha"));

                // Envoy's error replies.
                assertEquals("-unsupported command 'FOO'", c.call("FOO", "bar"));
                assertEquals("-invalid request", c.call("GET"));
                assertEquals("-wrong number of arguments for 'EVAL' command", c.call("EVAL", "return 1", "0"));
                assertEquals("-wrong number of arguments for 'mset' command", c.call("mset", "a", "1", "b"));
                assertEquals("hi", c.call("ECHO", "hi"));

                try (RedisServer.Client auth = new RedisServer.Client(ports.get("auth"))) {
                    assertEquals("-NOAUTH Authentication required.", auth.call("GET", "greeting"));
                    assertEquals("-ERR invalid password", auth.call("AUTH", "wrong"));
                    assertEquals("-NOAUTH Authentication required.", auth.call("GET", "greeting"));
                    assertEquals("OK", auth.call("AUTH", "s3cret"));
                    assertEquals("hello", auth.call("GET", "greeting"));
                    assertEquals("OK", auth.call("QUIT"));
                    assertTrue(auth.closedByPeer(), "QUIT closes the connection");
                }

                // The upstream needs a password, which the cluster's RedisProtocolOptions give.
                try (RedisServer.Client up = new RedisServer.Client(ports.get("upauth"));
                     RedisServer.Client g = guarded.client()) {
                    assertEquals("OK", up.call("SET", "secret", "kept"));
                    assertEquals("kept", up.call("GET", "secret"));
                    assertEquals("-NOAUTH Authentication required.", g.call("GET", "secret"));
                }

                try (RedisServer.Client slow = new RedisServer.Client(ports.get("slow"))) {
                    long start = System.nanoTime();
                    assertEquals("-upstream failure", slow.call("GET", "x"));
                    assertTrue(System.nanoTime() - start >= 400_000_000L, "answered after op_timeout");
                }

                // Health: a stopped server fails its PING, a server holding the key fails EXISTS.
                // The guarded host answers PING only after the cluster's AUTH: healthy means it went first.
                long deadline = System.nanoTime() + 20_000_000_000L;
                while (proxy.stat("cluster.guarded.health_check.success") < 2 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertTrue(proxy.stat("cluster.guarded.health_check.success") >= 2);
                assertEquals(0, proxy.stat("cluster.guarded.health_check.failure"));
                waitFor(proxy, "cluster.checked.membership_healthy", 2);
                doomed.close();
                waitFor(proxy, "cluster.checked.membership_healthy", 1);
                assertEquals("OK", direct.call("SET", "maint", "1"));
                waitFor(proxy, "cluster.checked.membership_healthy", 0);

                assertEquals(1, proxy.stat("redis.main.splitter.unsupported_command"));
                assertEquals(1, proxy.stat("redis.main.splitter.invalid_request"));
                assertTrue(proxy.stat("redis.main.command.get.total") >= 41);
                assertEquals(1, proxy.stat("redis.main.command.mset.success"));
                assertEquals(1, proxy.stat("redis.main.command.mset.error"));
                assertEquals(1, proxy.stat("redis.main.command.eval.error"));
                assertEquals(1, proxy.stat("redis.auth.downstream_cx_total"));
                assertTrue(proxy.stat("redis.main.downstream_rq_total") >= 90);
                assertEquals(1, proxy.stat("cluster.silent.upstream_rq_timeout"));
                // greeting, the 40 keys, and MSET's four keys, one SET each upstream.
                assertEquals(45, proxy.stat("cluster.shards.redis_cluster.upstream_commands.set.total"));
                assertTrue(proxy.stat("cluster.shards.upstream_rq_total") >= 95);
                assertTrue(proxy.stat("cluster.checked.health_check.failure") >= 2);
            }
            for (Socket s : held) {
                s.close();
            }
        }
    }

    private static void waitFor(ProxyProcess proxy, String stat, double value) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (proxy.stat(stat) != value) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(stat + " stayed " + proxy.stat(stat) + ", expected " + value);
            }
            Thread.sleep(100);
        }
    }
}

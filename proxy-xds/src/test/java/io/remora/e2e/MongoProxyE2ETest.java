package io.remora.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * envoy.filters.network.mongo_proxy ahead of tcp_proxy, as Istio configures it on Mongo ports,
 * in front of a real MongoDB server (mongo-java-server, in memory): the legacy wire protocol's
 * queries counted per command, collection and callsite, replies matched to them, the access log,
 * a fixed delay, and today's driver (MongoDB's Java driver, whose OP_MSG Envoy does not decode)
 * served untouched after the decoding error.
 */
class MongoProxyE2ETest {

    private static MongoServer mongo;
    private static int mongoPort;

    @BeforeAll
    static void startMongo() {
        mongo = new MongoServer(new MemoryBackend());
        mongo.bind("127.0.0.1", 0);
        mongoPort = mongo.getLocalAddress().getPort();
    }

    @AfterAll
    static void stopMongo() {
        mongo.shutdownNow();
    }

    static String mongoFilter(String fields) {
        return """
                - name: envoy.filters.network.mongo_proxy
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.network.mongo_proxy.v3.MongoProxy
                """ + Bootstraps.indent(fields, 4);
    }

    @Test
    void countsLegacyQueriesRepliesAndLogsThem(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("mongo.log");
        int admin = ProxyProcess.freePort();
        Map<String, Integer> ports = Map.of("app", ProxyProcess.freePort(), "slow", ProxyProcess.freePort());
        String listeners = Bootstraps.tcpListener("app", "", mongoFilter("""
                stat_prefix: app
                access_log: %s
                commands: [insert, count]
                """.formatted(log)), "mongo", "")
                + Bootstraps.tcpListener("slow", "", mongoFilter("""
                stat_prefix: slow
                delay: { fixed_delay: 0.4s, percentage: { numerator: 100 } }
                """), "mongo", "");
        String clusters = Bootstraps.cluster("mongo", false, "", mongoPort);
        try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.listeners(admin, listeners, clusters, ports), admin);
             MongoWireClient c = new MongoWireClient(ports.get("app"))) {
            BsonArray docs = new BsonArray();
            for (int i = 1; i <= 3; i++) {
                docs.add(new BsonDocument("_id", new BsonInt32(i)).append("name", new BsonString("n" + i)));
            }
            MongoWireClient.Reply inserted = c.query("test.$cmd", 0,
                    new BsonDocument("insert", new BsonString("users")).append("documents", docs));
            assertEquals(3, inserted.documents().get(0).getNumber("n").intValue(), inserted.toString());

            MongoWireClient.Reply one = c.query("test.users", 0, new BsonDocument("$query",
                    new BsonDocument("_id", new BsonInt32(1)))
                    .append("$comment", new BsonString("{\"callingFunction\": \"getUser\"}")));
            assertEquals(1, one.documents().size(), one.toString());
            assertEquals(3, c.query("test.users", 0, new BsonDocument()).documents().size());
            MongoWireClient.Reply two = c.query("test.users", 0, new BsonDocument("$query",
                    new BsonDocument("_id", new BsonDocument("$in", new BsonArray(java.util.List.of(new BsonInt32(1),
                            new BsonInt32(2)))))).append("$maxTimeMS", new BsonInt32(1000)));
            assertEquals(2, two.documents().size(), two.toString());
            MongoWireClient.Reply master = c.query("admin.$cmd", 0, new BsonDocument("ismaster", new BsonInt32(1)));
            assertEquals(1, master.documents().size());

            assertEquals(5, proxy.stat("mongo.app.op_query"));
            assertEquals(5, proxy.stat("mongo.app.op_reply"));
            assertEquals(1, proxy.stat("mongo.app.cmd.insert.total"));
            assertEquals(1, proxy.stat("mongo.app.cmd.unknown_command.total"), "isMaster is not in commands");
            assertEquals(3, proxy.stat("mongo.app.collection.users.query.total"));
            assertEquals(1, proxy.stat("mongo.app.collection.users.query.scatter_get"));
            assertEquals(1, proxy.stat("mongo.app.collection.users.query.multi_get"));
            assertEquals(1, proxy.stat("mongo.app.collection.users.callsite.getUser.query.total"));
            assertEquals(1, proxy.stat("mongo.app.op_query_scatter_get"));
            assertEquals(1, proxy.stat("mongo.app.op_query_multi_get"));
            assertEquals(2, proxy.stat("mongo.app.op_query_no_max_time"), "the two queries without $maxTimeMS");
            assertEquals(0, proxy.stat("mongo.app.op_query_active"));
            assertEquals(0, proxy.stat("mongo.app.decoding_error"));
            String prom = proxy.admin("/stats/prometheus");
            assertTrue(prom.contains("envoy_mongo_collection_query_reply_num_docs_sum{envoy_mongo_collection=\"users\","
                    + "envoy_mongo_prefix=\"app\"} 6"), prom);
            assertTrue(prom.contains("envoy_mongo_op_query{envoy_mongo_prefix=\"app\"} 5"), prom);

            // An OP_MSG (2013): Envoy's decoder knows no such opcode; the looking stops, the bytes still pass.
            BsonDocument ping = new BsonDocument("ping", new BsonInt32(1)).append("$db", new BsonString("admin"));
            byte[] body = MongoWireClient.bytes(ping);
            java.nio.ByteBuffer msg = java.nio.ByteBuffer.allocate(16 + 4 + 1 + body.length)
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN);
            msg.putInt(msg.capacity()).putInt(99).putInt(0).putInt(2013).putInt(0).put((byte) 0).put(body);
            c.sendRaw(msg.array());
            for (int i = 0; i < 100 && proxy.stat("mongo.app.decoding_error") == 0; i++) {
                Thread.sleep(50);
            }
            // mongo-java-server answers it with an OP_MSG, which the client here does not read: a
            // fresh connection shows the traffic still flows.
            try (MongoWireClient after = new MongoWireClient(ports.get("app"))) {
                assertEquals(3, after.query("test.users", 0, new BsonDocument()).documents().size());
            }
            assertEquals(1, proxy.stat("mongo.app.decoding_error"));
            assertEquals(6, proxy.stat("mongo.app.op_query"), "the new connection's query counted, the old one's OP_MSG not");

            long deadline = System.nanoTime() + 10_000_000_000L;
            String logged = "";
            while (System.nanoTime() < deadline && !(logged = Files.exists(log) ? Files.readString(log) : "")
                    .contains("\"opcode\": \"OP_REPLY\"")) {
                Thread.sleep(100);
            }
            assertTrue(logged.contains("\"message\": {\"opcode\": \"OP_QUERY\", \"id\": 2, \"response_to\": 0, "
                    + "\"flags\": \"0x0\", \"collection\": \"test.users\", \"skip\": 0, \"return\": 0, \"query\": "
                    + "{\"$query\": {\"_id\": 1}, \"$comment\": \"{\\\"callingFunction\\\": \\\"getUser\\\"}\"}, "
                    + "\"fields\": {}}, \"upstream_host\": \"127.0.0.1:" + mongoPort + "\"}"), logged);
            assertTrue(logged.contains("{\"opcode\": \"OP_REPLY\", \"id\": "), logged);
            assertTrue(logged.contains("\"returned\": 3, \"documents\": 3}"), "replies log their document count: " + logged);

            try (MongoWireClient slow = new MongoWireClient(ports.get("slow"))) {
                long start = System.nanoTime();
                assertEquals(3, slow.query("test.users", 0, new BsonDocument()).documents().size());
                long ms = (System.nanoTime() - start) / 1_000_000;
                assertTrue(ms >= 380, "the query waited for the fixed delay: " + ms + " ms");
                assertEquals(1, proxy.stat("mongo.slow.delays_injected"));
            }
        }
    }

    @Test
    void rbacDeniesByTheOperationsInTheDynamicMetadata() throws Exception {
        int admin = ProxyProcess.freePort();
        Map<String, Integer> ports = Map.of("guarded", ProxyProcess.freePort());
        String filters = mongoFilter("""
                stat_prefix: guarded
                emit_dynamic_metadata: true
                """) + "\n" + """
                - name: envoy.filters.network.rbac
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC
                    stat_prefix: mongo_rbac
                    enforcement_type: CONTINUOUS
                    rules:
                      action: DENY
                      policies:
                        no-user-queries:
                          permissions:
                          - metadata:
                              filter: envoy.filters.network.mongo_proxy
                              path: [{ key: test.users }]
                              value: { list_match: { one_of: { string_match: { exact: query } } } }
                          principals: [{ any: true }]
                """;
        String listeners = Bootstraps.tcpListener("guarded", "", filters, "mongo", "");
        try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.listeners(admin, listeners,
                Bootstraps.cluster("mongo", false, "", mongoPort), ports), admin);
             MongoWireClient c = new MongoWireClient(ports.get("guarded"))) {
            c.query("test.$cmd", 0, new BsonDocument("insert", new BsonString("others"))
                    .append("documents", new BsonArray(java.util.List.of(new BsonDocument("_id", new BsonInt32(1))))));
            assertEquals(1, c.query("test.others", 0, new BsonDocument()).documents().size(),
                    "another collection's query passes");
            c.send("test.users", 0, new BsonDocument());
            assertTrue(c.closedByPeer(), "a query on test.users closes the connection");
            assertEquals(1, proxy.stat("mongo_rbac.rbac.denied"), proxy.admin("/stats"));
            assertEquals(2, proxy.stat("mongo_rbac.rbac.allowed"));
            assertEquals(3, proxy.stat("mongo.guarded.op_query"), "the denied query was decoded first");
        }
    }

    /**
     * Envoy's ProxyFilter::onEvent counts a connection that ends, either side, with a query unanswered, and its
     * decodeReply closes a draining server's connection once a reply leaves no query outstanding: it asks
     * drainClose(All), which an inbound-only drain does not reach and a failed health check does.
     */
    @Test
    void drainClosesAfterTheLastReplyAndConnectionsCutShortAreCounted() throws Exception {
        int admin = ProxyProcess.freePort();
        Map<String, Integer> ports = Map.of("drain", ProxyProcess.freePort(), "held", ProxyProcess.freePort(),
                "idle", ProxyProcess.freePort());
        String held = "delay: { fixed_delay: 5s, percentage: { numerator: 100 } }\n";
        String listeners = ListenerSocketOptionsE2ETest.withFields(Bootstraps.tcpListener("drain", "",
                mongoFilter("stat_prefix: drain\n"), "mongo", ""), "traffic_direction: INBOUND")
                + Bootstraps.tcpListener("held", "", mongoFilter("stat_prefix: held\n" + held), "mongo", "")
                // The held query keeps the connection quiet: the idle timeout closes it from the proxy's side.
                + Bootstraps.tcpListener("idle", "", mongoFilter("stat_prefix: idle\n" + held), "mongo",
                "idle_timeout: 0.5s");
        try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.listeners(admin, listeners,
                Bootstraps.cluster("mongo", false, "", mongoPort), ports), admin);
             MongoWireClient drained = new MongoWireClient(ports.get("drain"))) {
            try (MongoWireClient c = new MongoWireClient(ports.get("held"))) {
                c.send("test.users", 0, new BsonDocument());
                proxy.awaitStat("mongo.held.op_query_active", 1);
                // A FIN would only half-close (tcp_proxy's half-close): a reset ends the connection.
                c.reset();
            }
            proxy.awaitStat("mongo.held.cx_destroy_remote_with_active_rq", 1);
            assertEquals(0, proxy.stat("mongo.held.op_query_active"));
            assertEquals(0, proxy.stat("mongo.held.cx_destroy_local_with_active_rq"));

            try (MongoWireClient c = new MongoWireClient(ports.get("idle"))) {
                c.send("test.users", 0, new BsonDocument());
                assertTrue(c.closedByPeer(), "the idle timeout closes the connection");
            }
            proxy.awaitStat("mongo.idle.cx_destroy_local_with_active_rq", 1);
            assertEquals(0, proxy.stat("mongo.idle.cx_destroy_remote_with_active_rq"));
            assertEquals(0, proxy.stat("mongo.idle.op_query_active"));

            drained.query("test.users", 0, new BsonDocument());
            drained.query("test.users", 0, new BsonDocument());
            assertEquals(0, proxy.stat("mongo.drain.cx_drain_close"), "no drain, no close");
            assertEquals(200, Curl.run("-X", "POST",
                    "http://127.0.0.1:" + admin + "/drain_listeners?inboundonly&graceful").status());
            drained.query("test.users", 0, new BsonDocument());
            drained.query("test.users", 0, new BsonDocument());
            assertEquals(0, proxy.stat("mongo.drain.cx_drain_close"), "an inbound-only drain is not the filter's");
            assertEquals(200, Curl.run("-X", "POST", "http://127.0.0.1:" + admin + "/healthcheck/fail").status());
            drained.query("test.users", 0, new BsonDocument());
            assertTrue(drained.closedByPeer(), "closed after the reply that left no query outstanding");
            assertEquals(1, proxy.stat("mongo.drain.cx_drain_close"));
            assertEquals(0, proxy.stat("mongo.drain.cx_destroy_local_with_active_rq"));
            assertEquals(5, proxy.stat("mongo.drain.op_reply"));
        }
    }

    @Test
    void todaysDriverIsServedThroughTheDecodingError() throws Exception {
        int admin = ProxyProcess.freePort();
        Map<String, Integer> ports = Map.of("drv", ProxyProcess.freePort());
        String listeners = Bootstraps.tcpListener("drv", "", mongoFilter("stat_prefix: drv\n"), "mongo", "");
        try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.listeners(admin, listeners,
                Bootstraps.cluster("mongo", false, "", mongoPort), ports), admin);
             MongoClient client = MongoClients.create("mongodb://127.0.0.1:" + ports.get("drv")
                     + "/?directConnection=true&serverSelectionTimeoutMS=10000")) {
            MongoCollection<Document> items = client.getDatabase("drv").getCollection("items");
            items.insertOne(new Document("_id", "a").append("qty", 4));
            assertEquals(4, items.find(new Document("_id", "a")).first().getInteger("qty"));
            // The handshake is a legacy OP_QUERY hello on admin.$cmd; what follows is OP_MSG.
            assertTrue(proxy.stat("mongo.drv.op_query") >= 1, proxy.admin("/stats"));
            assertTrue(proxy.stat("mongo.drv.cmd.unknown_command.total") >= 1, proxy.admin("/stats"));
            assertTrue(proxy.stat("mongo.drv.op_reply") >= 1, proxy.admin("/stats"));
            assertTrue(proxy.stat("mongo.drv.decoding_error") >= 1, proxy.admin("/stats"));
        }
    }
}

package io.remora.extensions.filters.network.mongo_proxy;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;

/**
 * What the stats need of an OP_QUERY (Envoy's {@code QueryMessageInfo}): a command's name (the
 * first key of the query, or of its {@code $query}, on a {@code $cmd} collection; MongoDB 3.2's
 * {@code find} command counts as a query of its collection), else the collection, the
 * {@code callingFunction} of a JSON {@code $comment}, {@code $maxTimeMS} and whether {@code _id}
 * picks one document, several or none (a scatter get).
 */
final class MongoQueryInfo {
    enum Type { PRIMARY_KEY, MULTI_GET, SCATTER_GET }

    final int requestId;
    final long startNanos = System.nanoTime();
    String command = "";
    String collection = "";
    String callsite = "";
    int maxTime;
    Type type = Type.SCATTER_GET;

    MongoQueryInfo(MongoMessage.Query q) {
        requestId = q.requestId();
        BsonDocument cmd = command(q);
        if (cmd != null) {
            command = cmd.fields().get(0).key();
            switch (command) {
                case "find" -> {
                    command = "";
                    find(cmd);
                }
                case "collstats" -> command = "collStats";
                case "dbstats" -> command = "dbStats";
                case "findandmodify" -> command = "findAndModify";
                case "getlasterror" -> command = "getLastError";
                case "ismaster" -> command = "isMaster";
                default -> {
                }
            }
            return;
        }
        String full = q.fullCollectionName();
        int dot = full.indexOf('.');
        if (dot < 0) {
            throw new MongoDecodeException("invalid full collection name");
        }
        collection = full.substring(dot + 1);
        BsonDocument.Field comment = q.query().find("$comment", BsonDocument.Type.STRING);
        callsite = comment == null ? "" : callingFunction(comment.asString());
        maxTime = maxTime(q.query());
        type = type(q.query());
        if (type == Type.SCATTER_GET) {
            BsonDocument.Field inner = q.query().find("$query", BsonDocument.Type.DOCUMENT);
            if (inner != null) {
                type = type(inner.asDocument());
            }
        }
    }

    private static BsonDocument command(MongoMessage.Query q) {
        if (!q.fullCollectionName().contains("$cmd")) {
            return null;
        }
        BsonDocument.Field inner = q.query().find("$query", BsonDocument.Type.DOCUMENT);
        BsonDocument doc = inner != null ? inner.asDocument() : q.query();
        if (doc.fields().isEmpty()) {
            throw new MongoDecodeException("invalid query command");
        }
        return doc;
    }

    private void find(BsonDocument cmd) {
        collection = cmd.fields().get(0).asString();
        BsonDocument.Field comment = cmd.find("comment", BsonDocument.Type.STRING);
        if (comment != null) {
            callsite = callingFunction(comment.asString());
        }
        BsonDocument.Field filter = cmd.find("filter", BsonDocument.Type.DOCUMENT);
        if (filter != null) {
            type = type(filter.asDocument());
        }
    }

    private static int maxTime(BsonDocument query) {
        BsonDocument.Field f = query.find("$maxTimeMS");
        if (f == null) {
            f = query.find("maxTimeMS");
        }
        if (f == null) {
            return 0;
        }
        return switch (f.type()) {
            case INT32 -> (Integer) f.value();
            case INT64 -> (int) (long) (Long) f.value();
            default -> 0;
        };
    }

    private static Type type(BsonDocument doc) {
        BsonDocument.Field id = doc.find("_id");
        if (id == null) {
            return Type.SCATTER_GET;
        }
        return id.type() == BsonDocument.Type.DOCUMENT || id.type() == BsonDocument.Type.ARRAY
                ? Type.MULTI_GET : Type.PRIMARY_KEY;
    }

    /** The comment's JSON {@code callingFunction}; "" when it is not JSON or has none (as Envoy documents it). */
    private static String callingFunction(String json) {
        try {
            JsonElement n = JsonParser.parseString(json);
            JsonElement f = n.isJsonObject() ? n.getAsJsonObject().get("callingFunction") : null;
            return f != null && f.isJsonPrimitive() && f.getAsJsonPrimitive().isString() ? f.getAsString() : "";
        } catch (RuntimeException e) {
            return "";
        }
    }
}

package io.remora.extensions.filters.network.mongo_proxy;

import java.util.List;

/**
 * The mongo wire protocol messages Envoy's mongo proxy decodes, with the text its access log
 * prints for each ({@code toString(full)}: documents in full, or only how many).
 */
sealed interface MongoMessage {

    int requestId();

    int responseTo();

    String toString(boolean full);

    /** OP_QUERY. */
    record Query(int requestId, int responseTo, int flags, String fullCollectionName, int skip, int numberToReturn,
                 BsonDocument query, BsonDocument fieldsSelector) implements MongoMessage {
        static final int TAILABLE_CURSOR = 1 << 1;
        static final int NO_CURSOR_TIMEOUT = 1 << 4;
        static final int AWAIT_DATA = 1 << 5;
        static final int EXHAUST = 1 << 6;

        @Override
        public String toString(boolean full) {
            return "{\"opcode\": \"OP_QUERY\", \"id\": " + requestId + ", \"response_to\": " + responseTo
                    + ", \"flags\": \"" + hex(flags) + "\", \"collection\": \"" + fullCollectionName + "\", \"skip\": "
                    + skip + ", \"return\": " + numberToReturn + ", \"query\": " + (full ? query : "\"{...}\"")
                    + ", \"fields\": " + (fieldsSelector == null ? "{}" : fieldsSelector) + "}";
        }
    }

    /** OP_REPLY. */
    record Reply(int requestId, int responseTo, int flags, long cursorId, int startingFrom, int numberReturned,
                 List<BsonDocument> documents) implements MongoMessage {
        static final int CURSOR_NOT_FOUND = 1;
        static final int QUERY_FAILURE = 1 << 1;

        @Override
        public String toString(boolean full) {
            return "{\"opcode\": \"OP_REPLY\", \"id\": " + requestId + ", \"response_to\": " + responseTo
                    + ", \"flags\": \"" + hex(flags) + "\", \"cursor\": \"" + cursorId + "\", \"from\": " + startingFrom
                    + ", \"returned\": " + numberReturned + ", \"documents\": "
                    + MongoMessage.documents(documents, full) + "}";
        }
    }

    /** OP_GET_MORE. */
    record GetMore(int requestId, int responseTo, String fullCollectionName, int numberToReturn, long cursorId)
            implements MongoMessage {
        @Override
        public String toString(boolean full) {
            return "{\"opcode\": \"OP_GET_MORE\", \"id\": " + requestId + ", \"response_to\": " + responseTo
                    + ", \"collection\": \"" + fullCollectionName + "\", \"return\": " + numberToReturn
                    + ", \"cursor\": " + cursorId + "}";
        }
    }

    /** OP_INSERT. */
    record Insert(int requestId, int responseTo, int flags, String fullCollectionName, List<BsonDocument> documents)
            implements MongoMessage {
        @Override
        public String toString(boolean full) {
            return "{\"opcode\": \"OP_INSERT\", \"id\": " + requestId + ", \"response_to\": " + responseTo
                    + ", \"flags\": \"" + hex(flags) + "\", \"collection\": \"" + fullCollectionName
                    + "\", \"documents\": " + MongoMessage.documents(documents, full) + "}";
        }
    }

    /** OP_KILL_CURSORS. */
    record KillCursors(int requestId, int responseTo, int numberOfCursorIds, List<Long> cursorIds)
            implements MongoMessage {
        @Override
        public String toString(boolean full) {
            StringBuilder cursors = new StringBuilder("[");
            for (int i = 0; i < cursorIds.size(); i++) {
                cursors.append(i > 0 ? ", " : "").append(cursorIds.get(i));
            }
            // Envoy prints this message's response_to in hex and its count as a string.
            return "{\"opcode\": \"KILL_CURSORS\", \"id\": " + requestId + ", \"response_to\": \"" + hex(responseTo)
                    + "\", \"num_cursors\": \"" + numberOfCursorIds + "\", \"cursors\": " + cursors.append(']') + "}";
        }
    }

    /** OP_COMMAND (MongoDB 3.2's). */
    record Command(int requestId, int responseTo, String database, String commandName, BsonDocument metadata,
                   BsonDocument commandArgs, List<BsonDocument> inputDocs) implements MongoMessage {
        @Override
        public String toString(boolean full) {
            return "{\"opcode\": \"OP_COMMAND\", \"id\": " + requestId + ", \"response_to\": " + responseTo
                    + ", \"database\": \"" + database + "\", \"commandName\": \"" + commandName + "\", \"metadata\": "
                    + metadata + ", \"commandArgs\": " + commandArgs + ", \"inputDocs\": "
                    + MongoMessage.documents(inputDocs, full) + "}";
        }
    }

    /** OP_COMMANDREPLY. */
    record CommandReply(int requestId, int responseTo, BsonDocument metadata, BsonDocument commandReply,
                        List<BsonDocument> outputDocs) implements MongoMessage {
        @Override
        public String toString(boolean full) {
            return "{\"opcode\": \"OP_COMMANDREPLY\", \"id\": " + requestId + ", \"response_to\": " + responseTo
                    + ", \"metadata\": " + metadata + ", \"commandReply\": " + commandReply + ", \"outputDocs\":"
                    + MongoMessage.documents(outputDocs, full) + "} ";
        }
    }

    /** fmt's {@code {:#x}}: a sign, then 0x and the magnitude. */
    static String hex(int v) {
        long l = v;
        return l < 0 ? "-0x" + Long.toHexString(-l) : "0x" + Long.toHexString(l);
    }

    static String documents(List<BsonDocument> docs, boolean full) {
        if (!full) {
            return Integer.toString(docs.size());
        }
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < docs.size(); i++) {
            if (i > 0) {
                out.append(", ");
            }
            docs.get(i).appendText(out);
        }
        return out.append(']').toString();
    }
}

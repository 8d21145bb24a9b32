package io.remora.extensions.filters.network.mongo_proxy;

import io.netty.buffer.ByteBuf;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Envoy's mongo {@code DecoderImpl}: whole messages off the front of a buffer, the opcodes it knows
 * (OP_REPLY, OP_QUERY, OP_GET_MORE, OP_INSERT, OP_KILL_CURSORS, OP_COMMAND, OP_COMMANDREPLY).
 * Anything else, OP_MSG included, is a decoding error. Each message is read within its own length.
 */
final class MongoDecoder {
    static final int HEADER = 16;
    /**
     * MongoDB's own ceiling ({@code maxMessageSizeBytes}). Envoy has none and would hold whatever
     * a header promises; past it the filter stops looking instead of buffering without bound.
     */
    static final long MAX_MESSAGE = 48_000_000;
    private static final int OP_REPLY = 1;
    private static final int OP_INSERT = 2002;
    private static final int OP_QUERY = 2004;
    private static final int OP_GET_MORE = 2005;
    private static final int OP_KILL_CURSORS = 2007;
    private static final int OP_COMMAND = 2010;
    private static final int OP_COMMANDREPLY = 2011;

    private MongoDecoder() {
    }

    /**
     * Hands each complete message at the front of {@code buf} to {@code out}, consuming it; a
     * partial message is left for more bytes. Throws MongoDecodeException on bytes that are not a
     * message (what was handed out before stays handed out).
     */
    static void decode(ByteBuf buf, Consumer<MongoMessage> out) {
        while (buf.readableBytes() >= 4) {
            long length = Integer.toUnsignedLong(buf.getIntLE(buf.readerIndex()));
            if (length < HEADER || length > MAX_MESSAGE) {
                throw new MongoDecodeException("invalid mongo message length " + length);
            }
            if (buf.readableBytes() < length) {
                return;
            }
            ByteBuf m = buf.readSlice((int) length);
            m.skipBytes(4);
            int requestId = m.readIntLE();
            int responseTo = m.readIntLE();
            int op = m.readIntLE();
            out.accept(switch (op) {
                case OP_REPLY -> reply(requestId, responseTo, m);
                case OP_QUERY -> query(requestId, responseTo, m);
                case OP_GET_MORE -> {
                    Wire.int32(m); // zero
                    yield new MongoMessage.GetMore(requestId, responseTo, Wire.cString(m), Wire.int32(m), Wire.int64(m));
                }
                case OP_INSERT -> {
                    int flags = Wire.int32(m);
                    String collection = Wire.cString(m);
                    List<BsonDocument> docs = new ArrayList<>();
                    while (m.isReadable()) {
                        docs.add(BsonDocument.read(m));
                    }
                    yield new MongoMessage.Insert(requestId, responseTo, flags, collection, List.copyOf(docs));
                }
                case OP_KILL_CURSORS -> {
                    Wire.int32(m); // zero
                    int n = Wire.int32(m);
                    List<Long> ids = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        ids.add(Wire.int64(m));
                    }
                    yield new MongoMessage.KillCursors(requestId, responseTo, n, List.copyOf(ids));
                }
                case OP_COMMAND -> {
                    String database = Wire.cString(m);
                    String name = Wire.cString(m);
                    BsonDocument metadata = BsonDocument.read(m);
                    BsonDocument args = BsonDocument.read(m);
                    // Envoy reads one more document if bytes remain, no further.
                    yield new MongoMessage.Command(requestId, responseTo, database, name, metadata, args,
                            m.isReadable() ? List.of(BsonDocument.read(m)) : List.of());
                }
                case OP_COMMANDREPLY -> {
                    BsonDocument metadata = BsonDocument.read(m);
                    BsonDocument reply = BsonDocument.read(m);
                    yield new MongoMessage.CommandReply(requestId, responseTo, metadata, reply,
                            m.isReadable() ? List.of(BsonDocument.read(m)) : List.of());
                }
                default -> throw new MongoDecodeException("invalid mongo op " + op);
            });
        }
    }

    private static MongoMessage.Query query(int requestId, int responseTo, ByteBuf m) {
        int flags = Wire.int32(m);
        String collection = Wire.cString(m);
        int skip = Wire.int32(m);
        int ret = Wire.int32(m);
        BsonDocument query = BsonDocument.read(m);
        BsonDocument selector = m.isReadable() ? BsonDocument.read(m) : null;
        return new MongoMessage.Query(requestId, responseTo, flags, collection, skip, ret, query, selector);
    }

    private static MongoMessage.Reply reply(int requestId, int responseTo, ByteBuf m) {
        int flags = Wire.int32(m);
        long cursor = Wire.int64(m);
        int from = Wire.int32(m);
        int n = Wire.int32(m);
        List<BsonDocument> docs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            docs.add(BsonDocument.read(m));
        }
        return new MongoMessage.Reply(requestId, responseTo, flags, cursor, from, n, List.copyOf(docs));
    }
}

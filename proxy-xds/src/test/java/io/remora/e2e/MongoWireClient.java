package io.remora.e2e;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;

/**
 * A client of MongoDB's legacy wire protocol (OP_QUERY answered by OP_REPLY), which today's drivers
 * no longer send but Envoy's mongo proxy decodes; documents are encoded by MongoDB's own BSON library.
 */
final class MongoWireClient implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private int nextId = 1;

    /** An OP_REPLY: its flags, cursor and documents. */
    record Reply(int responseTo, int flags, long cursorId, List<BsonDocument> documents) {
    }

    MongoWireClient(int port) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Sends an OP_QUERY on {@code fullCollection} and reads its reply. */
    Reply query(String fullCollection, int flags, BsonDocument query) throws IOException {
        int id = send(fullCollection, flags, query);
        return readReply(id);
    }

    /** Sends an OP_QUERY without waiting; returns its request id. */
    int send(String fullCollection, int flags, BsonDocument query) throws IOException {
        byte[] name = fullCollection.getBytes(StandardCharsets.UTF_8);
        byte[] doc = bytes(query);
        int id = nextId++;
        ByteBuffer b = ByteBuffer.allocate(16 + 4 + name.length + 1 + 8 + doc.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(b.capacity()).putInt(id).putInt(0).putInt(2004);
        b.putInt(flags).put(name).put((byte) 0).putInt(0).putInt(0).put(doc);
        out.write(b.array());
        out.flush();
        return id;
    }

    /** Writes raw bytes (what is not a mongo message, say). */
    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    Reply readReply(int expectedResponseTo) throws IOException {
        byte[] head = new byte[36];
        in.readFully(head);
        ByteBuffer h = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        int length = h.getInt();
        h.getInt();
        int responseTo = h.getInt();
        int op = h.getInt();
        if (op != 1 || responseTo != expectedResponseTo) {
            throw new IOException("not the OP_REPLY to " + expectedResponseTo + ": op " + op + ", to " + responseTo);
        }
        int flags = h.getInt();
        long cursor = h.getLong();
        h.getInt();
        int n = h.getInt();
        byte[] rest = new byte[length - 36];
        in.readFully(rest);
        ByteBuffer r = ByteBuffer.wrap(rest).order(ByteOrder.LITTLE_ENDIAN);
        List<BsonDocument> docs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int size = r.getInt(r.position());
            byte[] d = new byte[size];
            r.get(d);
            docs.add(new RawBsonDocument(d).decode(new BsonDocumentCodec()));
        }
        return new Reply(responseTo, flags, cursor, docs);
    }

    /** Whether the peer closed the connection (reads end) within the socket's timeout. */
    boolean closedByPeer() {
        try {
            return in.read() < 0;
        } catch (IOException e) {
            return true;
        }
    }

    static byte[] bytes(BsonDocument doc) {
        RawBsonDocument raw = new RawBsonDocument(doc, new BsonDocumentCodec());
        ByteBuffer b = raw.getByteBuffer().asNIO();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** Closes with a reset (SO_LINGER 0): the peer sees the connection end at once, not a half-close. */
    void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

package io.remora.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/2 over a plain socket, frame by frame, for what a well-behaved client library refuses to
 * send: rapid resets, SETTINGS and PING floods, frames a peer never reads the answers to.
 * Requests are HPACK-encoded from the static table only (no dynamic state to get wrong).
 */
public final class RawH2 implements AutoCloseable {

    public static final int DATA = 0, HEADERS = 1, PRIORITY = 2, RST_STREAM = 3, SETTINGS = 4, PUSH_PROMISE = 5,
            PING = 6, GOAWAY = 7, WINDOW_UPDATE = 8, CONTINUATION = 9;
    /** RFC 9113 error codes. */
    public static final int NO_ERROR = 0, PROTOCOL_ERROR = 1, INTERNAL_ERROR = 2, FLOW_CONTROL_ERROR = 3,
            STREAM_CLOSED = 5, FRAME_SIZE_ERROR = 6, REFUSED_STREAM = 7, CANCEL = 8, COMPRESSION_ERROR = 9,
            ENHANCE_YOUR_CALM = 0xb;

    public record Frame(int type, int flags, int streamId, byte[] payload) {
        /** The last stream id of a GOAWAY frame. */
        public int goAwayLastStreamId() {
            return ((payload[0] & 0x7f) << 24) | ((payload[1] & 0xff) << 16) | ((payload[2] & 0xff) << 8)
                    | (payload[3] & 0xff);
        }

        /** The error code of a GOAWAY frame. */
        public int goAwayError() {
            return ((payload[4] & 0xff) << 24) | ((payload[5] & 0xff) << 16) | ((payload[6] & 0xff) << 8)
                    | (payload[7] & 0xff);
        }

        /** The error code of a RST_STREAM frame. */
        public int rstError() {
            return ((payload[0] & 0xff) << 24) | ((payload[1] & 0xff) << 16) | ((payload[2] & 0xff) << 8)
                    | (payload[3] & 0xff);
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private final ByteArrayOutputStream batch = new ByteArrayOutputStream();
    private boolean closedByPeer;

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** Connects and sends the client preface and an empty SETTINGS. */
    public RawH2(String host, int port) throws IOException {
        this(new Socket(host, port));
        batch.write(PREFACE, 0, PREFACE.length);
        frame(SETTINGS, 0, 0, new byte[0]);
        flush();
    }

    /**
     * As {@link #RawH2(String, int)}, with a receive buffer of {@code receiveBuffer} bytes set before
     * connecting (set after, the window already offered stays): a peer's writes back up soon.
     */
    public static RawH2 withReceiveBuffer(String host, int port, int receiveBuffer) throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(receiveBuffer);
        s.connect(new java.net.InetSocketAddress(host, port), 10_000);
        RawH2 h2 = new RawH2(s);
        h2.batch.write(PREFACE, 0, PREFACE.length);
        h2.frame(SETTINGS, 0, 0, new byte[0]);
        h2.flush();
        return h2;
    }

    /** Connects and sends nothing: the caller writes the preface, or something else, with {@link #bytes}. */
    public static RawH2 connectBare(String host, int port) throws IOException {
        return new RawH2(new Socket(host, port));
    }

    private RawH2(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
    }

    /**
     * The server side of a connection {@code server} accepts (a raw upstream): the client preface
     * is read (and checked), then an empty SETTINGS sent; frames are read and written as a client's.
     */
    public static RawH2 accept(java.net.ServerSocket server) throws IOException {
        RawH2 h2 = new RawH2(server.accept());
        byte[] preface = h2.in.readNBytes(PREFACE.length);
        if (!java.util.Arrays.equals(PREFACE, preface)) {
            h2.close();
            throw new IOException("not an HTTP/2 client preface: " + new String(preface, StandardCharsets.ISO_8859_1));
        }
        h2.frame(SETTINGS, 0, 0, new byte[0]).flush();
        return h2;
    }

    public Socket socket() {
        return socket;
    }

    /** Queues a frame; {@link #flush} sends what is queued in one write. */
    public RawH2 frame(int type, int flags, int streamId, byte[] payload) {
        int n = payload.length;
        batch.write(n >>> 16);
        batch.write(n >>> 8);
        batch.write(n);
        batch.write(type);
        batch.write(flags);
        batch.write(streamId >>> 24 & 0x7f);
        batch.write(streamId >>> 16);
        batch.write(streamId >>> 8);
        batch.write(streamId);
        batch.write(payload, 0, n);
        return this;
    }

    /** Queues bytes as they are, frame or not. */
    public RawH2 bytes(byte[] b) {
        batch.write(b, 0, b.length);
        return this;
    }

    /** The client connection preface, for a connection made with {@link #connectBare}. */
    public static byte[] preface() {
        return PREFACE.clone();
    }

    /** A GET for path on authority (END_HEADERS; END_STREAM when endStream). */
    public RawH2 get(int streamId, String authority, String path, boolean endStream) {
        return frame(HEADERS, 0x4 | (endStream ? 0x1 : 0), streamId, getBlock(authority, path));
    }

    /** The header block of {@link #get}: for frames that carry it otherwise (split, padded, prioritized). */
    public static byte[] getBlock(String authority, String path) {
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        h.write(0x82); // :method GET
        h.write(0x86); // :scheme http
        literal(h, 4, path); // :path, name index 4
        literal(h, 1, authority); // :authority, name index 1
        return h.toByteArray();
    }

    /** A request with these header fields (name, value, ...; pseudo-headers first), each a literal. */
    public RawH2 request(int streamId, boolean endStream, String... fields) {
        return frame(HEADERS, 0x4 | (endStream ? 0x1 : 0), streamId, block(fields));
    }

    /** A header block of these fields (name, value, ...), each a literal without indexing. */
    public static byte[] block(String... fields) {
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        for (int i = 0; i < fields.length; i += 2) {
            h.write(0); // literal without indexing, new name
            literal(h, fields[i]);
            literal(h, fields[i + 1]);
        }
        return h.toByteArray();
    }

    private static void literal(ByteArrayOutputStream h, String s) {
        byte[] v = s.getBytes(StandardCharsets.ISO_8859_1); // a char past 0x7f is that byte (obs-text)
        h.write(v.length); // no Huffman, length < 127
        h.write(v, 0, v.length);
    }

    private static void literal(ByteArrayOutputStream h, int nameIndex, String value) {
        byte[] v = value.getBytes(StandardCharsets.US_ASCII);
        h.write(nameIndex); // literal without indexing, indexed name (index < 15)
        h.write(v.length); // no Huffman, length < 127
        h.write(v, 0, v.length);
    }

    public RawH2 rst(int streamId, int error) {
        return frame(RST_STREAM, 0, streamId, new byte[] {(byte) (error >>> 24), (byte) (error >>> 16),
                (byte) (error >>> 8), (byte) error});
    }

    public RawH2 ping(long data) {
        byte[] p = new byte[8];
        for (int i = 0; i < 8; i++) {
            p[i] = (byte) (data >>> (56 - 8 * i));
        }
        return frame(PING, 0, 0, p);
    }

    /** A PRIORITY frame: {@code streamId} depends on stream 0, default weight. */
    public RawH2 priority(int streamId) {
        return frame(PRIORITY, 0, streamId, new byte[] {0, 0, 0, 0, 15});
    }

    public RawH2 windowUpdate(int streamId, int increment) {
        return frame(WINDOW_UPDATE, 0, streamId, new byte[] {(byte) (increment >>> 24), (byte) (increment >>> 16),
                (byte) (increment >>> 8), (byte) increment});
    }

    /** Sends a PING and reads until its ACK: true when it came (the connection is alive). */
    public boolean pingPong(long data) throws IOException {
        ping(data).flush();
        for (Frame f = read(); f != null; f = read()) {
            if (f.type == PING && (f.flags & 0x1) != 0) {
                return true;
            }
            if (f.type == GOAWAY) {
                return false;
            }
        }
        return false;
    }

    /** The parameters of a SETTINGS frame, identifier to value, in order. */
    public static java.util.Map<Integer, Long> settingsOf(Frame f) {
        java.util.Map<Integer, Long> m = new java.util.LinkedHashMap<>();
        byte[] p = f.payload;
        for (int i = 0; i + 6 <= p.length; i += 6) {
            m.put((p[i] & 0xff) << 8 | (p[i + 1] & 0xff), ((p[i + 2] & 0xffL) << 24) | ((p[i + 3] & 0xff) << 16)
                    | ((p[i + 4] & 0xff) << 8) | (p[i + 5] & 0xff));
        }
        return m;
    }

    public RawH2 settingsAck() {
        return frame(SETTINGS, 0x1, 0, new byte[0]);
    }

    /** A SETTINGS frame with one parameter (id, value). */
    public RawH2 settings(int id, int value) {
        return frame(SETTINGS, 0, 0, new byte[] {(byte) (id >>> 8), (byte) id, (byte) (value >>> 24),
                (byte) (value >>> 16), (byte) (value >>> 8), (byte) value});
    }

    /** How long {@link #read} waits for a frame before it answers null. */
    public RawH2 readTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
        return this;
    }

    public void flush() throws IOException {
        batch.writeTo(out);
        out.flush();
        batch.reset();
    }

    /** The next frame, or null at end of stream or after the socket timeout. */
    public Frame read() throws IOException {
        if (closedByPeer) {
            return null;
        }
        try {
            int len = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
            int type = in.readUnsignedByte();
            int flags = in.readUnsignedByte();
            int stream = in.readInt() & 0x7fffffff;
            byte[] payload = new byte[len];
            in.readFully(payload);
            return new Frame(type, flags, stream, payload);
        } catch (SocketTimeoutException e) {
            return null;
        } catch (EOFException | java.net.SocketException e) {
            closedByPeer = true;
            return null;
        }
    }

    /**
     * How a connection ended: the GOAWAY read on the way (null when none came, e.g. a reset
     * overtook it) and whether the peer closed it ({@code false}: still open at the socket timeout).
     */
    public record Ending(Frame goAway, boolean closed) {
        /**
         * Closed by the peer, after a GOAWAY with this error code or none. A flood's GOAWAY is best
         * effort when the flooder is not reading: closing a socket whose input is unread resets it,
         * and the reset can overtake the GOAWAY (Envoy's flood tests, too, check the close and the stat).
         */
        public boolean closedWith(int error) {
            return closed && (goAway == null || goAway.goAwayError() == error);
        }
    }

    /** Reads until the peer closes the connection or the socket timeout passes. */
    public Ending awaitEnd() throws IOException {
        Frame goAway = null;
        for (Frame f = read(); f != null; f = read()) {
            if (f.type == GOAWAY && goAway == null) {
                goAway = f;
            }
        }
        return new Ending(goAway, closedByPeer);
    }

    /** Reads until a GOAWAY (returned) or the end of the connection (null). */
    public Frame awaitGoAway() throws IOException {
        for (Frame f = read(); f != null; f = read()) {
            if (f.type == GOAWAY) {
                return f;
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

package io.remora.accesslog;

/**
 * Envoy's BytesMeter pair of a stream (StreamInfo's downstream and upstream meters): the bytes its
 * codecs moved on the wire and the part of them that was header bytes, for
 * {@code %DOWNSTREAM_WIRE_BYTES_SENT%} and its kin. Kept only once some access log format names one
 * of those operators ({@link #want()}, when the format compiles): until then no codec counts and
 * no stream makes one.
 *
 * <p>What each codec adds is Envoy's: HTTP/1.1 counts every byte its encoder flushed and every
 * byte read while the stream was the connection's (the request line, chunk framing and body
 * included), and as header bytes each field line, {@code name: value\r\n} when sent and the
 * parsed name and value plus three (the colon and CRLF) when received; HTTP/2 counts the stream's
 * frames with their 9-byte headers, HEADERS and CONTINUATION as header bytes
 * ({@code Http2FrameMeter}); tcp_proxy and a CONNECT's TCP upstream count what they relay. A side
 * whose connection kept no meter (made before the first such format) is
 * {@linkplain #unmeteredDownstream not metered}: it prints {@code -} rather than a count that
 * leaves out its frames.
 */
public final class WireBytes {
    /** Process-wide: set for good by the first format that reads a meter (never unset on a config change). */
    private static volatile boolean wanted;

    public long downstreamWireSent;
    public long downstreamWireReceived;
    public long downstreamHeaderSent;
    public long downstreamHeaderReceived;
    public long upstreamWireSent;
    public long upstreamWireReceived;
    public long upstreamHeaderSent;
    public long upstreamHeaderReceived;
    /** The downstream connection keeps no meter (an HTTP/2 one made before it was wanted): its operators print {@code -}. */
    public boolean unmeteredDownstream;
    /** A try went over an upstream connection that keeps no meter: the upstream operators print {@code -}. */
    public boolean unmeteredUpstream;

    WireBytes() {
    }

    /** Adds to one side's meter, one way: {@code wire} bytes, {@code header} of them header bytes. */
    public void add(boolean downstream, boolean sent, long wire, long header) {
        if (downstream) {
            if (sent) {
                downstreamWireSent += wire;
                downstreamHeaderSent += header;
            } else {
                downstreamWireReceived += wire;
                downstreamHeaderReceived += header;
            }
        } else if (sent) {
            upstreamWireSent += wire;
            upstreamHeaderSent += header;
        } else {
            upstreamWireReceived += wire;
            upstreamHeaderReceived += header;
        }
    }

    /** A format (or a gRPC access log, whose entries carry the meters) reads a meter: streams count from now on. */
    public static void want() {
        wanted = true;
    }

    /** Whether codecs count (the cheap check before each add). */
    public static boolean wanted() {
        return wanted;
    }

    /** The bytes of an HTTP/1.1 header section as Envoy's codec counts them received: each name and value plus ":" and CRLF. */
    public static long receivedFieldBytes(io.netty.handler.codec.http2.Http2Headers fields) {
        if (fields == null) {
            return 0;
        }
        long n = 0;
        for (java.util.Map.Entry<CharSequence, CharSequence> e : fields) {
            CharSequence name = e.getKey();
            if (name.length() == 0 || name.charAt(0) != ':') {
                n += name.length() + e.getValue().length() + 3;
            }
        }
        return n;
    }

    /** The field lines of an HTTP/1.1 head as Envoy's codec counts them sent: all but its start line and the empty line. */
    public static long sentFieldBytes(io.netty.buffer.ByteBuf head) {
        int from = head.readerIndex();
        int lf = head.indexOf(from, head.writerIndex(), (byte) '\n');
        return lf < 0 ? 0 : Math.max(0, head.writerIndex() - (lf + 1) - 2);
    }
}

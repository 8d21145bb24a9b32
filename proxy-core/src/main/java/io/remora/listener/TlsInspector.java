package io.remora.listener;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Envoy's {@code tls_inspector}: reads (without consuming) a TLS ClientHello and reports the
 * SNI and the offered ALPN protocols, and when asked its JA3 fingerprint ({@link Ja3Fingerprint}).
 * The ClientHello may span several TLS records; at most {@link #MAX_CLIENT_HELLO} bytes are
 * inspected, as Envoy does. A hello whose {@code client_version} is below TLS 1.0 or above
 * TLS 1.3 is {@link Status#WRONG_VERSION} (Envoy 1.39's tls_inspector, which closes it).
 */
public final class TlsInspector {
    static final int MAX_CLIENT_HELLO = 64 * 1024;
    /** Envoy's TLS_MIN_SUPPORTED_VERSION / TLS_MAX_SUPPORTED_VERSION: TLS 1.0 and TLS 1.3. */
    static final int MIN_VERSION = 0x0301;
    static final int MAX_VERSION = 0x0304;

    /**
     * Outcome of one look at the buffered bytes; {@code ja3Hash} is the hello's JA3 hash when it
     * was asked for, else null; {@code helloBytes} the bytes of the records that carried a whole
     * ClientHello (TLS, WRONG_VERSION), else 0; {@code statusRequest} whether the hello has a
     * status_request extension (an OCSP staple is welcome).
     */
    public record Result(Status status, String serverName, List<String> alpn, String ja3Hash, int helloBytes,
                         boolean statusRequest) {
        static final Result NEED_MORE = new Result(Status.NEED_MORE, null, List.of(), null, 0, false);
        static final Result NOT_TLS = new Result(Status.NOT_TLS, null, List.of(), null, 0, false);
        static final Result TOO_LARGE = new Result(Status.TOO_LARGE, null, List.of(), null, 0, false);
    }

    /**
     * WRONG_VERSION: a whole ClientHello of a version tls_inspector does not take (Envoy's
     * ClientHelloWrongTlsVersion). TOO_LARGE: the hello is not whole within
     * {@link #MAX_CLIENT_HELLO} bytes (Envoy's client_hello_too_large, which closes the connection).
     */
    public enum Status { NEED_MORE, NOT_TLS, TLS, WRONG_VERSION, TOO_LARGE }

    private TlsInspector() {
    }

    /** Inspects the readable bytes of buf; never moves its indexes. */
    public static Result inspect(ByteBuf buf) {
        return inspect(buf, false);
    }

    /** As {@link #inspect(ByteBuf)}, with the JA3 hash of a complete hello when {@code ja3}. */
    public static Result inspect(ByteBuf buf, boolean ja3) {
        int r = buf.readerIndex();
        int end = buf.writerIndex();
        if (end - r < 1) {
            return Result.NEED_MORE;
        }
        if (buf.getUnsignedByte(r) != 0x16) {
            return Result.NOT_TLS;
        }
        if (end - r >= 2 && buf.getUnsignedByte(r + 1) != 3) {
            return Result.NOT_TLS;
        }
        // Reassemble the handshake bytes out of consecutive handshake records.
        byte[] hs = null;
        int hsLen = 0;
        int need = -1;
        int pos = r;
        while (true) {
            if (end - pos < 5) {
                return end - r >= MAX_CLIENT_HELLO ? Result.TOO_LARGE : Result.NEED_MORE;
            }
            if (buf.getUnsignedByte(pos) != 0x16) {
                return Result.NOT_TLS;
            }
            int recLen = buf.getUnsignedShort(pos + 3);
            if (pos + 5 + recLen - r > MAX_CLIENT_HELLO) {
                return Result.TOO_LARGE;
            }
            if (end - pos - 5 < recLen) {
                return Result.NEED_MORE;
            }
            if (hs == null) {
                hs = new byte[Math.min(MAX_CLIENT_HELLO, 4 + recLen)];
            }
            if (hsLen + recLen > hs.length) {
                if (hsLen + recLen > MAX_CLIENT_HELLO) {
                    return Result.TOO_LARGE;
                }
                // Doubling: a hello sent a byte per record would otherwise be copied once per record.
                hs = java.util.Arrays.copyOf(hs, Math.min(MAX_CLIENT_HELLO, Math.max(hsLen + recLen, 2 * hs.length)));
            }
            buf.getBytes(pos + 5, hs, hsLen, recLen);
            hsLen += recLen;
            pos += 5 + recLen;
            if (need < 0 && hsLen >= 4) {
                if (hs[0] != 1) { // not a ClientHello
                    return Result.NOT_TLS;
                }
                need = 4 + (((hs[1] & 0xff) << 16) | ((hs[2] & 0xff) << 8) | (hs[3] & 0xff));
                if (need > MAX_CLIENT_HELLO) {
                    return Result.NOT_TLS; // refused from its header, as BoringSSL's message size limit does
                }
            }
            if (need >= 0 && hsLen >= need) {
                return parseClientHello(hs, 4, need, ja3, pos - r);
            }
        }
    }

    private static Result parseClientHello(byte[] b, int p, int end, boolean fingerprint, int helloBytes) {
        try {
            int version = u16(b, p);
            if (version < MIN_VERSION || version > MAX_VERSION) {
                // TLS 1.3 hellos say 1.2 here (their supported_versions extension offers 1.3).
                return new Result(Status.WRONG_VERSION, null, List.of(), null, helloBytes, false);
            }
            Ja3Fingerprint ja3 = fingerprint ? new Ja3Fingerprint(version) : null;
            p += 2 + 32; // client_version, random
            p += 1 + (b[p] & 0xff); // session_id
            if (ja3 != null) {
                ja3.ciphers(b, p + 2, Math.min(end, p + 2 + u16(b, p)));
            }
            p += 2 + u16(b, p); // cipher_suites
            p += 1 + (b[p] & 0xff); // compression_methods
            String sni = null;
            boolean statusRequest = false;
            List<String> alpn = new ArrayList<>(2);
            if (p + 2 <= end) {
                int extEnd = Math.min(end, p + 2 + u16(b, p));
                p += 2;
                while (p + 4 <= extEnd) {
                    int type = u16(b, p);
                    int len = u16(b, p + 2);
                    int d = p + 4;
                    if (ja3 != null && d + len <= extEnd) {
                        ja3.extension(type, b, d, len);
                    }
                    if (type == 0 && len >= 5) { // server_name
                        int listEnd = d + 2 + u16(b, d);
                        int q = d + 2;
                        while (q + 3 <= listEnd) {
                            int nameType = b[q] & 0xff;
                            int nameLen = u16(b, q + 1);
                            if (nameType == 0) {
                                sni = new String(b, q + 3, nameLen, StandardCharsets.US_ASCII)
                                        .toLowerCase(java.util.Locale.ROOT);
                                break;
                            }
                            q += 3 + nameLen;
                        }
                    } else if (type == 5) { // status_request: the client takes a stapled OCSP response
                        statusRequest = true;
                    } else if (type == 16 && len >= 2) { // application_layer_protocol_negotiation
                        int listEnd = d + 2 + u16(b, d);
                        int q = d + 2;
                        while (q < listEnd) {
                            int l = b[q] & 0xff;
                            alpn.add(new String(b, q + 1, l, StandardCharsets.US_ASCII));
                            q += 1 + l;
                        }
                    }
                    p = d + len;
                }
            }
            return new Result(Status.TLS, sni, List.copyOf(alpn), ja3 == null ? null : ja3.hash(), helloBytes,
                    statusRequest);
        } catch (IndexOutOfBoundsException e) {
            return Result.NOT_TLS;
        }
    }

    private static int u16(byte[] b, int p) {
        return ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
    }
}

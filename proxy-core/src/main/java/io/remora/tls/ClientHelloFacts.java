package io.remora.tls;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * What Envoy's ServerContextImpl reads from a client hello to choose a certificate, which tcnative
 * does not expose: the server name as sent, whether a status_request asks for an OCSP staple, and
 * the ECDSA curves the client can verify ({@code getClientEcdsaCapabilities}): for a TLS 1.3 hello
 * (legacy version 1.2 with supported_versions, to a server allowing 1.3) those of its ECDSA
 * signature algorithms; otherwise those of its supported groups, provided it offers an ECDSA cipher
 * suite the server enables.
 *
 * @param ecdsaCurves a set of {@link #P256}, {@link #P384}, {@link #P521}; 0: the client takes no ECDSA certificate
 */
record ClientHelloFacts(String serverName, boolean statusRequest, int ecdsaCurves) {
    static final int P256 = 1;
    static final int P384 = 2;
    static final int P521 = 4;

    /** Nothing known: no server name, no staple asked, every curve taken. */
    static final ClientHelloFacts UNKNOWN = new ClientHelloFacts(null, false, P256 | P384 | P521);

    private static final int TLS12 = 0x0303;

    /**
     * The hello in the first {@code helloBytes} readable bytes of {@code in} (whole handshake records,
     * as the TLS inspector measured them); indexes untouched.
     *
     * @param serverTls13     the server allows TLS 1.3
     * @param ecdsaCipherIds  the ECDSA cipher suites the server enables (IANA codes)
     */
    static ClientHelloFacts parse(ByteBuf in, int helloBytes, boolean serverTls13, Set<Integer> ecdsaCipherIds) {
        byte[] b = new byte[helloBytes];
        int n = 0;
        for (int p = in.readerIndex(), end = p + helloBytes; p + 5 <= end; ) {
            int len = in.getUnsignedShort(p + 3);
            in.getBytes(p + 5, b, n, len);
            n += len;
            p += 5 + len;
        }
        try {
            return parse(b, 4, n, serverTls13, ecdsaCipherIds);
        } catch (IndexOutOfBoundsException e) {
            return new ClientHelloFacts(null, false, 0); // BoringSSL refuses it anyway
        }
    }

    private static ClientHelloFacts parse(byte[] b, int p, int end, boolean serverTls13, Set<Integer> ecdsaCipherIds) {
        int version = u16(b, p);
        p += 2 + 32;
        p += 1 + (b[p] & 0xff);
        int ciphers = p + 2;
        int ciphersEnd = ciphers + u16(b, p);
        p = ciphersEnd;
        p += 1 + (b[p] & 0xff);
        String sni = null;
        boolean statusRequest = false;
        boolean supportedVersions = false;
        int sigalgs = -1;
        int groups = -1;
        if (p + 2 <= end) {
            int extEnd = Math.min(end, p + 2 + u16(b, p));
            p += 2;
            while (p + 4 <= extEnd) {
                int type = u16(b, p);
                int len = u16(b, p + 2);
                int d = p + 4;
                switch (type) {
                    case 0 -> sni = serverName(b, d);
                    case 5 -> statusRequest = true;
                    case 10 -> groups = d;
                    case 13 -> sigalgs = d;
                    case 43 -> supportedVersions = true;
                    default -> {
                    }
                }
                p = d + len;
            }
        }
        int curves;
        if (version == TLS12 && serverTls13 && supportedVersions) {
            curves = sigalgs < 0 ? 0 : curves(b, sigalgs);
        } else {
            curves = groups < 0 ? 0 : curves(b, groups);
            if (curves != 0 && !offers(b, ciphers, ciphersEnd, ecdsaCipherIds)) {
                curves = 0;
            }
        }
        return new ClientHelloFacts(sni, statusRequest, curves);
    }

    /** The first host_name of a server_name extension, as sent. */
    private static String serverName(byte[] b, int d) {
        int listEnd = d + 2 + u16(b, d);
        for (int q = d + 2; q + 3 <= listEnd; ) {
            int nameLen = u16(b, q + 1);
            if ((b[q] & 0xff) == 0) {
                return new String(b, q + 3, nameLen, StandardCharsets.US_ASCII);
            }
            q += 3 + nameLen;
        }
        return null;
    }

    /** Envoy's getClientCurveNIDSupported over a u16-prefixed list of signature algorithms or groups. */
    private static int curves(byte[] b, int d) {
        int curves = 0;
        for (int q = d + 2, listEnd = d + 2 + u16(b, d); q + 2 <= listEnd; q += 2) {
            curves |= switch (u16(b, q)) {
                case 0x0403, 23 -> P256; // ecdsa_secp256r1_sha256, secp256r1
                case 0x0503, 24 -> P384;
                case 0x0603, 25 -> P521;
                default -> 0;
            };
        }
        return curves;
    }

    private static boolean offers(byte[] b, int from, int to, Set<Integer> ids) {
        for (int q = from; q + 2 <= to; q += 2) {
            if (ids.contains(u16(b, q))) {
                return true;
            }
        }
        return false;
    }

    private static int u16(byte[] b, int p) {
        return ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
    }
}

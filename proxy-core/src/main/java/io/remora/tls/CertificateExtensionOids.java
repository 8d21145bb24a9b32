package io.remora.tls;

import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The OIDs of a certificate's extensions in the order the certificate lists them, as Envoy's
 * {@code getCertificateExtensionOids} (Lua's {@code oidsPeerCertificate()}); the JDK only offers them
 * as unordered critical and non-critical sets, so the TBSCertificate's DER is walked.
 */
public final class CertificateExtensionOids {

    private static final int SEQUENCE = 0x30;
    private static final int OID = 0x06;
    /** TBSCertificate's {@code extensions [3] EXPLICIT}. */
    private static final int EXTENSIONS = 0xA3;

    private CertificateExtensionOids() {
    }

    /** Empty for no certificate; the JDK's sets, sorted, if the encoding cannot be walked. */
    public static List<String> of(X509Certificate c) {
        if (c == null) {
            return List.of();
        }
        try {
            return walk(c.getTBSCertificate());
        } catch (CertificateEncodingException | RuntimeException e) {
            TreeSet<String> all = new TreeSet<>();
            if (c.getCriticalExtensionOIDs() != null) {
                all.addAll(c.getCriticalExtensionOIDs());
            }
            if (c.getNonCriticalExtensionOIDs() != null) {
                all.addAll(c.getNonCriticalExtensionOIDs());
            }
            return List.copyOf(all);
        }
    }

    private static List<String> walk(byte[] der) {
        int[] tbs = element(der, 0, SEQUENCE);
        for (int at = tbs[0]; at < tbs[1]; ) {
            int[] child = element(der, at, -1);
            if ((der[at] & 0xFF) == EXTENSIONS) {
                int[] list = element(der, child[0], SEQUENCE);
                List<String> out = new ArrayList<>();
                for (int e = list[0]; e < list[1]; ) {
                    int[] ext = element(der, e, SEQUENCE);
                    int[] oid = element(der, ext[0], OID);
                    out.add(oid(der, oid[0], oid[1]));
                    e = ext[1];
                }
                return List.copyOf(out);
            }
            at = child[1];
        }
        return List.of();
    }

    /** The content's [start, end) of the element at {@code at}, checking its tag unless {@code tag} is -1. */
    private static int[] element(byte[] der, int at, int tag) {
        if (tag != -1 && (der[at] & 0xFF) != tag) {
            throw new IllegalArgumentException("unexpected tag " + (der[at] & 0xFF) + " at " + at);
        }
        int p = at + 1;
        int len = der[p++] & 0xFF;
        if (len >= 0x80) {
            int n = len & 0x7F;
            if (n == 0 || n > 3) {
                throw new IllegalArgumentException("unsupported length at " + at);
            }
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (der[p++] & 0xFF);
            }
        }
        if (p + len > der.length) {
            throw new IllegalArgumentException("truncated element at " + at);
        }
        return new int[]{p, p + len};
    }

    private static String oid(byte[] der, int start, int end) {
        StringBuilder sb = new StringBuilder();
        long value = 0;
        boolean first = true;
        for (int i = start; i < end; i++) {
            value = (value << 7) | (der[i] & 0x7F);
            if ((der[i] & 0x80) == 0) {
                if (first) {
                    int top = (int) Math.min(value / 40, 2);
                    sb.append(top).append('.').append(value - 40L * top);
                    first = false;
                } else {
                    sb.append('.').append(value);
                }
                value = 0;
            }
        }
        return sb.toString();
    }
}

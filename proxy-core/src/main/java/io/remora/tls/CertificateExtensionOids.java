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

    /** TBSCertificate's {@code extensions [3] EXPLICIT}. */
    private static final int EXTENSIONS = DerCursor.CONTEXT | DerCursor.CONSTRUCTED | 3;

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
        DerCursor tbs = new DerCursor(der).next(DerCursor.SEQUENCE);
        while (!tbs.empty()) {
            if (tbs.peekTag() != EXTENSIONS) {
                tbs.any();
                continue;
            }
            DerCursor list = tbs.next(EXTENSIONS).next(DerCursor.SEQUENCE);
            List<String> out = new ArrayList<>();
            while (!list.empty()) {
                out.add(OtherNames.oidText(list.next(DerCursor.SEQUENCE).next(DerCursor.OID).bytes()));
            }
            return List.copyOf(out);
        }
        return List.of();
    }
}

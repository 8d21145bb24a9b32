package io.remora.tls;

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.logging.Logger;

/**
 * A certificate's {@code ocsp_staple}: a DER OCSPResponse read as Envoy's {@code OcspResponseWrapper}
 * reads it. It must be successful, basic, and about exactly one certificate; its signature is not
 * checked (it comes from the operator, not the network). The certificate is matched by serial number
 * only, and the response counts as expired from its nextUpdate on, or at once without one.
 */
public final class OcspResponse {
    private static final String BASIC = "1.3.6.1.5.5.7.48.1.1";

    private final byte[] der;
    private final BigInteger serial;
    private final Instant thisUpdate;
    private final Instant nextUpdate;

    private OcspResponse(byte[] der, BigInteger serial, Instant thisUpdate, Instant nextUpdate) {
        this.der = der;
        this.serial = serial;
        this.thisUpdate = thisUpdate;
        this.nextUpdate = nextUpdate;
    }

    /** Parses a staple; the message of the failure is Envoy's. */
    public static OcspResponse parse(byte[] der) {
        if (der == null || der.length == 0) {
            throw new IllegalArgumentException("OCSP Response is not a well-formed ASN.1 SEQUENCE");
        }
        DerCursor all = new DerCursor(der);
        DerCursor resp = step(() -> all.next(DerCursor.SEQUENCE), "OCSP Response is not a well-formed ASN.1 SEQUENCE");
        if (!all.empty()) {
            throw new IllegalArgumentException("Data contained more than a single OCSP response");
        }
        byte[] status = step(() -> resp.next(DerCursor.ENUMERATED),
                "OCSP ResponseStatus is not a well-formed ASN.1 ENUMERATED").bytes();
        int ordinal = status.length == 0 ? -1 : status[0] & 0xff;
        if (ordinal < 0 || ordinal == 4 || ordinal > 6) {
            throw new IllegalArgumentException("Unknown OCSP Response Status variant: " + ordinal);
        }
        DerCursor bytes = step(() -> resp.optional(DerCursor.CONTEXT | DerCursor.CONSTRUCTED), "malformed responseBytes");
        if (ordinal != 0) {
            throw new IllegalArgumentException("OCSP response was unsuccessful");
        }
        if (bytes == null) {
            throw new IllegalArgumentException("OCSP response has no body");
        }
        return step(() -> basic(der, bytes), "malformed OCSP response");
    }

    private static OcspResponse basic(byte[] der, DerCursor responseBytes) {
        DerCursor rb = responseBytes.next(DerCursor.SEQUENCE);
        String type = OtherNames.oidText(rb.next(DerCursor.OID).bytes());
        DerCursor octets = rb.next(DerCursor.OCTET_STRING);
        if (!type.equals(BASIC)) {
            throw new IllegalArgumentException("Unknown OCSP Response type with OID: " + type);
        }
        DerCursor data = octets.next(DerCursor.SEQUENCE).next(DerCursor.SEQUENCE);
        DerCursor version = data.optional(DerCursor.CONTEXT | DerCursor.CONSTRUCTED);
        if (version != null) {
            byte[] v = version.next(DerCursor.INTEGER).bytes();
            if (v.length != 1 || v[0] != 0) {
                throw new IllegalArgumentException("OCSP ResponseData version 0x" + new BigInteger(1, v).toString(16)
                        + " is not supported");
            }
        }
        int responder = data.peekTag();
        if (responder != (DerCursor.CONTEXT | DerCursor.CONSTRUCTED | 1)
                && responder != (DerCursor.CONTEXT | DerCursor.CONSTRUCTED | 2)) {
            throw new IllegalArgumentException("Unknown choice for Responder ID: " + responder);
        }
        data.any();
        data.next(DerCursor.GENERALIZED_TIME); // producedAt
        DerCursor responses = data.next(DerCursor.SEQUENCE);
        int count = 0;
        BigInteger serial = null;
        Instant thisUpdate = null;
        Instant nextUpdate = null;
        while (!responses.empty()) {
            DerCursor single = responses.next(DerCursor.SEQUENCE);
            DerCursor certId = single.next(DerCursor.SEQUENCE);
            certId.next(DerCursor.SEQUENCE); // hashAlgorithm
            certId.next(DerCursor.OCTET_STRING); // issuerNameHash
            certId.next(DerCursor.OCTET_STRING); // issuerKeyHash
            serial = new BigInteger(certId.next(DerCursor.INTEGER).bytes());
            int status = single.peekTag();
            if (status != DerCursor.CONTEXT && status != (DerCursor.CONTEXT | DerCursor.CONSTRUCTED | 1)
                    && status != (DerCursor.CONTEXT | 2)) {
                throw new IllegalArgumentException("Unknown OcspCertStatus tag: " + status);
            }
            single.any();
            thisUpdate = time(single.next(DerCursor.GENERALIZED_TIME).bytes());
            DerCursor next = single.optional(DerCursor.CONTEXT | DerCursor.CONSTRUCTED);
            nextUpdate = next == null ? null : time(next.next(DerCursor.GENERALIZED_TIME).bytes());
            count++;
        }
        if (count != 1) {
            throw new IllegalArgumentException("OCSP Response must be for one certificate only");
        }
        if (Instant.now().isBefore(thisUpdate)) {
            Logger.getLogger(OcspResponse.class.getName()).warning(
                    "OCSP Response thisUpdate field is set in the future: " + thisUpdate);
        }
        return new OcspResponse(der.clone(), serial, thisUpdate, nextUpdate);
    }

    /** GeneralizedTime in UTC ({@code YYYYMMDDHHMMSS[.fff]Z}), the only form DER allows. */
    private static Instant time(byte[] b) {
        String s = new String(b, java.nio.charset.StandardCharsets.US_ASCII);
        if (s.length() < 15 || !s.endsWith("Z")) {
            throw new DerCursor.Malformed("bad GeneralizedTime " + s);
        }
        LocalDateTime t = LocalDateTime.of(Integer.parseInt(s.substring(0, 4)), Integer.parseInt(s.substring(4, 6)),
                Integer.parseInt(s.substring(6, 8)), Integer.parseInt(s.substring(8, 10)),
                Integer.parseInt(s.substring(10, 12)), Integer.parseInt(s.substring(12, 14)));
        return t.toInstant(ZoneOffset.UTC);
    }

    private static <T> T step(java.util.function.Supplier<T> s, String message) {
        try {
            return s.get();
        } catch (DerCursor.Malformed | NumberFormatException | IndexOutOfBoundsException | java.time.DateTimeException e) {
            throw new IllegalArgumentException(message, e);
        }
    }

    /** Envoy matches a staple to its certificate by serial number alone. */
    public boolean matches(X509Certificate cert) {
        return serial.equals(cert.getSerialNumber());
    }

    public boolean expired(Instant now) {
        return nextUpdate == null || nextUpdate.isBefore(now);
    }

    /** Seconds until nextUpdate; 0 when it has passed or there is none. */
    public long secondsUntilExpiration(Instant now) {
        return nextUpdate == null || !nextUpdate.isAfter(now) ? 0 : java.time.Duration.between(now, nextUpdate).getSeconds();
    }

    public Instant thisUpdate() {
        return thisUpdate;
    }

    /** nextUpdate, or null. */
    public Instant nextUpdate() {
        return nextUpdate;
    }

    byte[] der() {
        return der;
    }
}

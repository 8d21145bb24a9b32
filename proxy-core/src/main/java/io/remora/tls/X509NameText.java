package io.remora.tls;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A certificate's subject or issuer as Envoy prints it (XFCC's Subject, %DOWNSTREAM_PEER_SUBJECT%,
 * RBAC's principal name): BoringSSL's {@code X509_NAME_print_ex} with {@code XN_FLAG_RFC2253}. The
 * JDK's RFC 2253 form differs where it matters to a reader of these names: it writes attributes
 * it has no keyword for as {@code OID=#hex} (emailAddress, serialNumber, title, ...), escapes '='
 * and leaves non-ASCII characters as they are, where BoringSSL uses OpenSSL's short names and
 * escapes each UTF-8 byte above 0x7f as {@code \XX}.
 */
final class X509NameText {
    private X509NameText() {
    }

    /** OpenSSL's short names of the attribute types a certificate name carries. */
    private static final Map<String, String> SHORT_NAMES = Map.ofEntries(
            Map.entry("2.5.4.3", "CN"), Map.entry("2.5.4.4", "SN"), Map.entry("2.5.4.5", "serialNumber"),
            Map.entry("2.5.4.6", "C"), Map.entry("2.5.4.7", "L"), Map.entry("2.5.4.8", "ST"),
            Map.entry("2.5.4.9", "street"), Map.entry("2.5.4.10", "O"), Map.entry("2.5.4.11", "OU"),
            Map.entry("2.5.4.12", "title"), Map.entry("2.5.4.13", "description"),
            Map.entry("2.5.4.15", "businessCategory"), Map.entry("2.5.4.17", "postalCode"),
            Map.entry("2.5.4.18", "postOfficeBox"), Map.entry("2.5.4.20", "telephoneNumber"),
            Map.entry("2.5.4.41", "name"), Map.entry("2.5.4.42", "GN"), Map.entry("2.5.4.43", "initials"),
            Map.entry("2.5.4.44", "generationQualifier"), Map.entry("2.5.4.45", "x500UniqueIdentifier"),
            Map.entry("2.5.4.46", "dnQualifier"), Map.entry("2.5.4.65", "pseudonym"), Map.entry("2.5.4.72", "role"),
            Map.entry("1.2.840.113549.1.9.1", "emailAddress"), Map.entry("1.2.840.113549.1.9.2", "unstructuredName"),
            Map.entry("0.9.2342.19200300.100.1.1", "UID"), Map.entry("0.9.2342.19200300.100.1.3", "mail"),
            Map.entry("0.9.2342.19200300.100.1.25", "DC"));

    /** The name's RFC 2253 text from its DER encoding (X500Principal.getEncoded()); null if malformed. */
    static String of(byte[] der) {
        try {
            Der name = new Der(der, 0);
            List<String> rdns = new ArrayList<>();
            for (int p = name.content; p < name.end(); ) {
                Der rdn = new Der(der, p);
                StringBuilder sb = new StringBuilder();
                for (int q = rdn.content; q < rdn.end(); ) {
                    Der ava = new Der(der, q);
                    Der type = new Der(der, ava.content);
                    Der value = new Der(der, type.end());
                    if (sb.length() > 0) {
                        sb.append('+');
                    }
                    String oid = OtherNames.oidText(java.util.Arrays.copyOfRange(der, type.content, type.end()));
                    String sn = SHORT_NAMES.get(oid);
                    sb.append(sn != null ? sn : oid).append('=');
                    value(sb, der, value);
                    q = ava.end();
                }
                rdns.add(sb.toString());
                p = rdn.end();
            }
            // RFC 2253 writes the most specific RDN first: the reverse of the encoding's order.
            StringBuilder out = new StringBuilder();
            for (int i = rdns.size() - 1; i >= 0; i--) {
                out.append(rdns.get(i));
                if (i > 0) {
                    out.append(',');
                }
            }
            return out.toString();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static void value(StringBuilder sb, byte[] der, Der v) {
        Charset cs = switch (der[v.at] & 0xff) {
            case 0x0c -> StandardCharsets.UTF_8; // UTF8String
            case 0x12, 0x13, 0x14, 0x16, 0x1a -> StandardCharsets.ISO_8859_1; // Numeric, Printable, T61, IA5, Visible
            case 0x1e -> StandardCharsets.UTF_16BE; // BMPString
            case 0x1c -> Charset.forName("UTF-32BE"); // UniversalString
            default -> null;
        };
        if (cs == null) {
            // Not a string type: the whole DER value in hex, as BoringSSL's DUMP_UNKNOWN | DUMP_DER.
            sb.append('#').append(java.util.HexFormat.of().formatHex(der, v.at, v.end()));
            return;
        }
        byte[] utf8 = new String(der, v.content, v.end() - v.content, cs).getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < utf8.length; i++) {
            int c = utf8[i] & 0xff;
            boolean first = i == 0;
            boolean last = i == utf8.length - 1;
            if (c > 0x7f || c < 0x20 || c == 0x7f) {
                sb.append('\\').append(String.format("%02X", c));
            } else if (",+\"\\<>;".indexOf(c) >= 0 || (first && (c == '#' || c == ' ')) || (last && c == ' ')) {
                sb.append('\\').append((char) c);
            } else {
                sb.append((char) c);
            }
        }
    }

    /** One DER TLV: where it starts, where its content starts and how long it is. */
    private static final class Der {
        final int at;
        final int content;
        final int length;

        Der(byte[] d, int at) {
            this.at = at;
            int len = d[at + 1] & 0xff;
            int c = at + 2;
            if (len > 0x7f) {
                int n = len & 0x7f;
                if (n > 3) {
                    throw new IllegalArgumentException("length");
                }
                len = 0;
                for (int k = 0; k < n; k++) {
                    len = (len << 8) | (d[c + k] & 0xff);
                }
                c += n;
            }
            if (c + len > d.length) {
                throw new IllegalArgumentException("truncated");
            }
            this.content = c;
            this.length = len;
        }

        int end() {
            return content + length;
        }
    }
}

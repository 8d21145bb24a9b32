package io.remora.tls;

import java.util.Map;

/**
 * The IANA code of a negotiated cipher suite by its OpenSSL name, as BoringSSL's
 * {@code SSL_CIPHER_get_protocol_id} gives Envoy's {@code ciphersuiteId()}: BoringSSL's suites
 * and the JDK provider's other ECDHE/DHE AEAD and CBC ones.
 */
public final class CipherSuiteIds {

    /** Envoy's answer when nothing was negotiated. */
    public static final int NONE = 0xFFFF;

    private static final Map<String, Integer> IDS = Map.ofEntries(
            Map.entry("DES-CBC3-SHA", 0x000A),
            Map.entry("AES128-SHA", 0x002F),
            Map.entry("AES256-SHA", 0x0035),
            Map.entry("AES128-SHA256", 0x003C),
            Map.entry("AES256-SHA256", 0x003D),
            Map.entry("PSK-AES128-CBC-SHA", 0x008C),
            Map.entry("PSK-AES256-CBC-SHA", 0x008D),
            Map.entry("AES128-GCM-SHA256", 0x009C),
            Map.entry("AES256-GCM-SHA384", 0x009D),
            Map.entry("DHE-RSA-AES128-GCM-SHA256", 0x009E),
            Map.entry("DHE-RSA-AES256-GCM-SHA384", 0x009F),
            Map.entry("TLS_AES_128_GCM_SHA256", 0x1301),
            Map.entry("TLS_AES_256_GCM_SHA384", 0x1302),
            Map.entry("TLS_CHACHA20_POLY1305_SHA256", 0x1303),
            Map.entry("ECDHE-ECDSA-AES128-SHA", 0xC009),
            Map.entry("ECDHE-ECDSA-AES256-SHA", 0xC00A),
            Map.entry("ECDHE-RSA-AES128-SHA", 0xC013),
            Map.entry("ECDHE-RSA-AES256-SHA", 0xC014),
            Map.entry("ECDHE-ECDSA-AES128-SHA256", 0xC023),
            Map.entry("ECDHE-ECDSA-AES256-SHA384", 0xC024),
            Map.entry("ECDHE-RSA-AES128-SHA256", 0xC027),
            Map.entry("ECDHE-RSA-AES256-SHA384", 0xC028),
            Map.entry("ECDHE-ECDSA-AES128-GCM-SHA256", 0xC02B),
            Map.entry("ECDHE-ECDSA-AES256-GCM-SHA384", 0xC02C),
            Map.entry("ECDHE-RSA-AES128-GCM-SHA256", 0xC02F),
            Map.entry("ECDHE-RSA-AES256-GCM-SHA384", 0xC030),
            Map.entry("ECDHE-PSK-AES128-CBC-SHA", 0xC035),
            Map.entry("ECDHE-PSK-AES256-CBC-SHA", 0xC036),
            Map.entry("ECDHE-RSA-CHACHA20-POLY1305", 0xCCA8),
            Map.entry("ECDHE-ECDSA-CHACHA20-POLY1305", 0xCCA9),
            Map.entry("DHE-RSA-CHACHA20-POLY1305", 0xCCAA),
            Map.entry("ECDHE-PSK-CHACHA20-POLY1305", 0xCCAC));

    private CipherSuiteIds() {
    }

    /** {@link #NONE} for no suite or one not in the table. */
    public static int of(String openSslName) {
        Integer id = openSslName == null ? null : IDS.get(openSslName);
        return id == null ? NONE : id;
    }
}

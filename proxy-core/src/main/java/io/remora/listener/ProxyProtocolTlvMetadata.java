package io.remora.listener;

import io.netty.channel.Channel;
import io.remora.config.ProxyProtocolConfig;
import io.remora.config.ProxyProtocolTlv;
import io.remora.network.ConnectionMetadata;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * proxy_protocol's {@code rules}: the TLVs of a version 2 header they name become the
 * connection's dynamic metadata, as Envoy's parseTlvs stores them (proxy_protocol.cc). TLVs are
 * taken in the header's order and a key keeps its first value (Envoy inserts into the
 * namespace's struct, which never replaces), so of a repeated type the first one counts. A
 * value is a string: bytes that are not UTF-8 each become {@code '!'} (MessageUtil::sanitizeUtf8String).
 */
final class ProxyProtocolTlvMetadata {

    private ProxyProtocolTlvMetadata() {
    }

    static void apply(Channel ch, ProxyProtocolConfig config, List<ProxyProtocolTlv> tlvs) {
        if (config.rules().isEmpty()) {
            return;
        }
        for (ProxyProtocolTlv t : tlvs) {
            ProxyProtocolConfig.TlvRule rule = config.rule(t.type());
            if (rule != null) {
                ConnectionMetadata.putIfAbsent(ch, rule.namespace(), rule.key(), sanitizeUtf8(t.value()));
            }
        }
    }

    /**
     * The bytes as UTF-8 text, each byte that does not start a well-formed sequence (Unicode's
     * table 3-7: no overlong forms, surrogates or code points past U+10FFFF) replaced by {@code '!'}
     * and the next byte tried: protobuf's UTF8CoerceToStructurallyValid, which Envoy copies.
     */
    static String sanitizeUtf8(byte[] b) {
        StringBuilder out = new StringBuilder(b.length);
        int i = 0;
        while (i < b.length) {
            int n = wellFormed(b, i);
            if (n == 0) {
                out.append('!');
                i++;
            } else {
                out.append(new String(b, i, n, StandardCharsets.UTF_8));
                i += n;
            }
        }
        return out.toString();
    }

    /** The length of the well-formed UTF-8 sequence at {@code i}, or 0. */
    private static int wellFormed(byte[] b, int i) {
        int c = b[i] & 0xFF;
        if (c < 0x80) {
            return 1;
        }
        int n;
        int lo = 0x80;
        int hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 3;
            lo = c == 0xE0 ? 0xA0 : 0x80;
            hi = c == 0xED ? 0x9F : 0xBF;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 4;
            lo = c == 0xF0 ? 0x90 : 0x80;
            hi = c == 0xF4 ? 0x8F : 0xBF;
        } else {
            return 0;
        }
        if (i + n > b.length) {
            return 0;
        }
        int second = b[i + 1] & 0xFF;
        if (second < lo || second > hi) {
            return 0;
        }
        for (int k = 2; k < n; k++) {
            int cont = b[i + k] & 0xFF;
            if (cont < 0x80 || cont > 0xBF) {
                return 0;
            }
        }
        return n;
    }
}

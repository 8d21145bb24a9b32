package io.remora.tls;

import io.netty.handler.ssl.CipherSuiteConverter;

import java.util.ArrayList;
import java.util.List;

/** Envoy speaks OpenSSL cipher names; JSSE speaks IANA names. */
final class CipherNames {
    private CipherNames() {
    }

    /** The OpenSSL name of a suite as an engine reports it (TLS 1.3 suites keep their IANA name). */
    static String openSsl(String javaName) {
        if (javaName.startsWith("TLS_AES_") || javaName.startsWith("TLS_CHACHA20_")) {
            return javaName;
        }
        String o = CipherSuiteConverter.toOpenSsl(javaName, true);
        return o == null ? javaName : o;
    }

    /**
     * Envoy's {@code cipher_suites} (OpenSSL names, {@code [A|B]} equal-preference groups) as a
     * flat list, in the names the provider wants.
     */
    static List<String> forProvider(List<String> envoyNames, TlsProvider provider) {
        List<String> out = new ArrayList<>();
        for (String entry : envoyNames) {
            String e = entry.trim();
            if (e.startsWith("[") && e.endsWith("]")) {
                e = e.substring(1, e.length() - 1);
            }
            for (String name : e.split("\\|")) {
                String n = name.trim();
                if (n.isEmpty() || n.startsWith("-") || n.startsWith("!")) {
                    continue;
                }
                if (provider == TlsProvider.JDK) {
                    String j = n.startsWith("TLS_") ? n : CipherSuiteConverter.toJava(n, "TLS");
                    out.add(j == null ? n : j);
                } else {
                    out.add(n);
                }
            }
        }
        return out;
    }
}

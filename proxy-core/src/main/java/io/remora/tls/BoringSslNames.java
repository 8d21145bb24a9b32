package io.remora.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.internal.tcnative.SSL;
import io.netty.internal.tcnative.SSLContext;

import java.util.ArrayList;
import java.util.List;

/**
 * Which of a config's ECDH curves and cipher suites BoringSSL knows, as Envoy finds out when it
 * builds a context ({@code SSL_CTX_set1_curves_list}, {@code SSL_CTX_set_strict_cipher_list}):
 * Netty sets cipher lists leniently, dropping names it does not know, where Envoy refuses the
 * config. Each name is tried alone on a scratch context. Without BoringSSL nothing is refused.
 */
public final class BoringSslNames {
    private BoringSslNames() {
    }

    /** The curves BoringSSL does not know. */
    public static List<String> unknownCurves(List<String> curves) {
        return unknown(curves, true);
    }

    /**
     * The entries of an Envoy cipher list ({@code [A|B]} groups split) that name no cipher BoringSSL
     * knows; rules ({@code !x}, {@code -x}, {@code +x}) and TLS 1.3 suites pass, as in strict mode.
     */
    public static List<String> rejectedCiphers(List<String> ciphers) {
        List<String> names = new ArrayList<>();
        for (String entry : ciphers) {
            String e = entry.trim();
            if (e.startsWith("[") && e.endsWith("]")) {
                e = e.substring(1, e.length() - 1);
            }
            for (String n : e.split("\\|")) {
                String name = n.trim();
                // TLS 1.3 suites are known to BoringSSL but never in a cipher list: alone they match nothing.
                if (!name.isEmpty() && "!-+".indexOf(name.charAt(0)) < 0
                        && !TlsContextFactory.TLS13_CIPHERS.contains(name)) {
                    names.add(name);
                }
            }
        }
        return unknown(names, false);
    }

    private static List<String> unknown(List<String> names, boolean curves) {
        List<String> bad = new ArrayList<>();
        if (names.isEmpty() || !OpenSsl.isAvailable() || !"BoringSSL".equals(OpenSsl.versionString())) {
            return bad;
        }
        long ctx;
        try {
            ctx = SSLContext.make(SSL.SSL_PROTOCOL_TLSV1_2, SSL.SSL_MODE_SERVER);
        } catch (Exception e) {
            return bad;
        }
        try {
            for (String n : names) {
                boolean ok;
                try {
                    ok = curves ? SSLContext.setCurvesList(ctx, n) : SSLContext.setCipherSuite(ctx, n, false);
                } catch (Exception e) {
                    ok = false;
                } finally {
                    // A refusal leaves its error on the thread's queue, where the next tcnative call
                    // (another context's certificate parse) would read it as its own failure.
                    SSL.clearError();
                }
                if (!ok) {
                    bad.add(n);
                }
            }
        } finally {
            SSLContext.free(ctx);
        }
        return bad;
    }
}

package io.remora.tls;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import io.remora.stats.SslStatNames;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Envoy's {@code <scope>.ssl.*} stats of one listener ({@code listener.<address>.ssl.*}) or
 * cluster ({@code cluster.<name>.ssl.*}): handshakes, errors by verification reason, and the
 * negotiated versions, ciphers and curves. Names as Envoy's default tag extractors leave them: a
 * cluster's {@code ssl.ciphers.<cipher>} becomes the {@code cipher_suite} tag (SSL_CIPHER_SUITE);
 * a listener's stays in the name, since Envoy's SSL_CIPHER extractor looks for {@code ssl.cipher.}
 * (singular) and never matches; versions and curves stay in the name ({@link SslStatNames}).
 */
public final class TlsStats {
    private static final String CIPHER_SUITE_TAG = SslStatNames.CIPHER_SUITE_TAG;

    private final MeterRegistry registry;
    private final String prefix;
    private final String tagKey;
    private final String tagValue;
    private final Counter handshake;
    private final Counter connectionError;
    private final Counter failVerifyError;
    private final Counter failVerifySan;
    private final Counter failVerifyNoCert;
    private final Counter failVerifyCertHash;
    private final Counter noCertificate;
    private final Counter sessionReused;
    private final Counter ocspStapleRequests;
    private final Counter ocspStapleResponses;
    private final Counter ocspStapleOmitted;
    private final Counter ocspStapleFailed;
    private final ConcurrentMap<String, Counter> dynamic = new ConcurrentHashMap<>();
    private final boolean cluster;
    private static final String[] NEVER_COUNTED = {"was_key_usage_invalid"};

    private TlsStats(MeterRegistry registry, String scope, String tagKey, String tagValue) {
        this.registry = registry;
        this.prefix = "envoy_" + scope + "_ssl_";
        this.tagKey = tagKey;
        this.tagValue = tagValue;
        this.cluster = scope.equals("cluster");
        handshake = c("handshake");
        connectionError = c("connection_error");
        failVerifyError = c("fail_verify_error");
        failVerifySan = c("fail_verify_san");
        failVerifyNoCert = c("fail_verify_no_cert");
        failVerifyCertHash = c("fail_verify_cert_hash");
        noCertificate = c("no_certificate");
        sessionReused = c("session_reused");
        ocspStapleRequests = c("ocsp_staple_requests");
        ocspStapleResponses = c("ocsp_staple_responses");
        ocspStapleOmitted = c("ocsp_staple_omitted");
        ocspStapleFailed = c("ocsp_staple_failed");
        // Envoy's ALL_SSL_STATS has it from the context's creation. Remora always enforces RSA key
        // usage, so it stays 0 here.
        for (String never : NEVER_COUNTED) {
            c(never);
        }
    }

    /** {@code listener.<label>.ssl.*}. */
    public static TlsStats listener(MeterRegistry r, String label) {
        return new TlsStats(r, "listener", io.remora.stats.ListenerStats.TAG, label);
    }

    /** {@code cluster.<name>.ssl.*}. */
    public static TlsStats cluster(MeterRegistry r, String statName) {
        return new TlsStats(r, "cluster", io.remora.stats.ClusterStats.TAG, statName);
    }

    /** Stats that count nowhere (tests, contexts made without an owner). */
    public static TlsStats none() {
        return new TlsStats(new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), "listener",
                io.remora.stats.ListenerStats.TAG, "none");
    }

    private Counter c(String stat) {
        return Counter.builder(prefix + stat).tag(tagKey, tagValue).register(registry);
    }

    void failVerifyError() {
        failVerifyError.increment();
    }

    void failVerifySan() {
        failVerifySan.increment();
    }

    void failVerifyNoCert() {
        failVerifyNoCert.increment();
    }

    void failVerifyCertHash() {
        failVerifyCertHash.increment();
    }

    /** A client hello asked for the certificate's status (Envoy counts it at certificate selection). */
    void ocspStapleRequest() {
        ocspStapleRequests.increment();
    }

    void ocspStapleResponse() {
        ocspStapleResponses.increment();
    }

    void ocspStapleOmitted() {
        ocspStapleOmitted.increment();
    }

    void ocspStapleFailed() {
        ocspStapleFailed.increment();
    }

    /** A handshake that completed: counts it with its version, cipher and curve. */
    public void handshake(String protocol, String cipher, boolean peerCertificate, boolean reused) {
        handshake.increment();
        if (!peerCertificate) {
            noCertificate.increment();
        }
        if (reused) {
            sessionReused.increment();
        }
        if (protocol != null) {
            named("versions", protocol);
        }
        if (cipher != null) {
            String name = CipherNames.openSsl(cipher);
            if (cluster) {
                dynamic.computeIfAbsent("c" + name, n -> Counter.builder(prefix + "ciphers").tag(CIPHER_SUITE_TAG, name)
                        .tag(tagKey, tagValue).register(registry)).increment();
            } else {
                named("ciphers", name);
            }
        }
    }

    /** {@code ssl.<stat>.<value>}: the value as the TLS library names it, part of the stat's name. */
    private void named(String stat, String value) {
        dynamic.computeIfAbsent(stat + "." + value, n -> Counter.builder(prefix + stat)
                .tag(SslStatNames.VALUE_TAG, value).tag(tagKey, tagValue).register(registry)).increment();
    }

    /**
     * The key exchange group a completed handshake used, as Envoy's logHandshake counts
     * {@code ssl.curves.<name>} (BoringSSL's SSL_get_curve_name: X25519, P-256, ...); null counts nothing.
     */
    public void curve(String name) {
        if (name != null && !name.isEmpty()) {
            named("curves", name);
        }
    }

    /** A handshake that failed (any reason; verification failures also count their own stat). */
    public void connectionError() {
        connectionError.increment();
    }
}

package io.remora.xds.translate;

import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig;
import io.remora.tls.Pem;

import java.security.GeneralSecurityException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A validation context's {@code custom_validator_config}: Envoy's SPIFFE validator
 * ({@code envoy.tls.cert_validator.spiffe}) is the one supported. Its trust bundles, a PEM bundle per
 * trust domain, come from the SPIFFE bundle map {@code trust_bundles} when it is set (then
 * {@code trust_domains} is not read, as spiffe_validator.cc), else from {@code trust_domains}.
 */
final class SpiffeValidatorTranslator {
    private SpiffeValidatorTranslator() {
    }

    static Map<String, String> trustBundles(TypedExtensionConfig c, FieldPath path) {
        if (!c.getName().equals("envoy.tls.cert_validator.spiffe")) {
            throw path.field("name").error("unknown certificate validator " + c.getName()
                    + " (envoy.tls.cert_validator.spiffe is the one supported)");
        }
        FieldPath tp = path.field("typed_config");
        SPIFFECertValidatorConfig sc = Protos.unpack(c.getTypedConfig(), SPIFFECertValidatorConfig.class, tp);
        if (sc.hasTrustBundles()) {
            FieldPath bp = tp.field("trust_bundles");
            String json = Protos.dataSource(sc.getTrustBundles(), bp);
            try {
                return SpiffeBundleMap.parse(json == null ? "" : json);
            } catch (IllegalArgumentException e) {
                throw bp.error(e.getMessage());
            }
        }
        return trustDomains(sc, tp);
    }

    private static Map<String, String> trustDomains(SPIFFECertValidatorConfig sc, FieldPath tp) {
        if (sc.getTrustDomainsCount() == 0) {
            throw tp.field("trust_domains").error("at least one trust domain is required");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < sc.getTrustDomainsCount(); i++) {
            FieldPath dp = tp.field("trust_domains").index(i);
            SPIFFECertValidatorConfig.TrustDomain d = sc.getTrustDomains(i);
            if (d.getName().isEmpty()) {
                throw dp.field("name").error("a trust domain needs a name");
            }
            if (out.containsKey(d.getName())) {
                throw dp.error("Multiple trust bundles are given for one trust domain for " + d.getName());
            }
            String pem = d.hasTrustBundle() ? Protos.dataSource(d.getTrustBundle(), dp.field("trust_bundle")) : null;
            try {
                if (pem == null || Pem.certificates(pem).isEmpty()) {
                    throw dp.field("trust_bundle").error("Failed to load trusted CA certificate for " + d.getName());
                }
            } catch (GeneralSecurityException e) {
                throw dp.field("trust_bundle").error("Failed to load trusted CA certificate for " + d.getName()
                        + ": " + e.getMessage());
            }
            out.put(d.getName(), pem);
        }
        return out;
    }
}

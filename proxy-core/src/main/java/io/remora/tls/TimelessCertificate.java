package io.remora.tls;

import java.math.BigInteger;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.NoSuchProviderException;
import java.security.Principal;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SignatureException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Set;
import javax.security.auth.x500.X500Principal;

/**
 * A certificate whose validity period never fails a check: how {@code allow_expired_certificate}
 * reaches Java's PKIX validator, which checks every certificate of a path against one date.
 * Envoy's {@code ignoreCertificateExpirationCallback} forgives {@code X509_V_ERR_CERT_HAS_EXPIRED}
 * and {@code X509_V_ERR_CERT_NOT_YET_VALID} on any certificate of the chain, while signatures,
 * CRLs (at the current time) and everything else still count. Everything else is delegated.
 */
final class TimelessCertificate extends X509Certificate {
    private final X509Certificate c;

    TimelessCertificate(X509Certificate c) {
        this.c = c;
    }

    @Override public void checkValidity() { }
    @Override public void checkValidity(Date date) { }
    @Override public int getVersion() { return c.getVersion(); }
    @Override public BigInteger getSerialNumber() { return c.getSerialNumber(); }
    @SuppressWarnings("deprecation")
    @Override public Principal getIssuerDN() { return c.getIssuerDN(); }
    @SuppressWarnings("deprecation")
    @Override public Principal getSubjectDN() { return c.getSubjectDN(); }
    @Override public X500Principal getIssuerX500Principal() { return c.getIssuerX500Principal(); }
    @Override public X500Principal getSubjectX500Principal() { return c.getSubjectX500Principal(); }
    @Override public Date getNotBefore() { return c.getNotBefore(); }
    @Override public Date getNotAfter() { return c.getNotAfter(); }
    @Override public byte[] getTBSCertificate() throws java.security.cert.CertificateEncodingException {
        return c.getTBSCertificate();
    }
    @Override public byte[] getSignature() { return c.getSignature(); }
    @Override public String getSigAlgName() { return c.getSigAlgName(); }
    @Override public String getSigAlgOID() { return c.getSigAlgOID(); }
    @Override public byte[] getSigAlgParams() { return c.getSigAlgParams(); }
    @Override public boolean[] getIssuerUniqueID() { return c.getIssuerUniqueID(); }
    @Override public boolean[] getSubjectUniqueID() { return c.getSubjectUniqueID(); }
    @Override public boolean[] getKeyUsage() { return c.getKeyUsage(); }
    @Override public List<String> getExtendedKeyUsage() throws CertificateParsingException {
        return c.getExtendedKeyUsage();
    }
    @Override public int getBasicConstraints() { return c.getBasicConstraints(); }
    @Override public Collection<List<?>> getSubjectAlternativeNames() throws CertificateParsingException {
        return c.getSubjectAlternativeNames();
    }
    @Override public Collection<List<?>> getIssuerAlternativeNames() throws CertificateParsingException {
        return c.getIssuerAlternativeNames();
    }
    @Override public byte[] getEncoded() throws CertificateEncodingException { return c.getEncoded(); }
    @Override public void verify(PublicKey key) throws CertificateException, NoSuchAlgorithmException,
            InvalidKeyException, NoSuchProviderException, SignatureException {
        c.verify(key);
    }
    @Override public void verify(PublicKey key, String sigProvider) throws CertificateException,
            NoSuchAlgorithmException, InvalidKeyException, NoSuchProviderException, SignatureException {
        c.verify(key, sigProvider);
    }
    @Override public void verify(PublicKey key, Provider sigProvider) throws CertificateException,
            NoSuchAlgorithmException, InvalidKeyException, SignatureException {
        c.verify(key, sigProvider);
    }
    @Override public String toString() { return c.toString(); }
    @Override public PublicKey getPublicKey() { return c.getPublicKey(); }
    @Override public boolean hasUnsupportedCriticalExtension() { return c.hasUnsupportedCriticalExtension(); }
    @Override public Set<String> getCriticalExtensionOIDs() { return c.getCriticalExtensionOIDs(); }
    @Override public Set<String> getNonCriticalExtensionOIDs() { return c.getNonCriticalExtensionOIDs(); }
    @Override public byte[] getExtensionValue(String oid) { return c.getExtensionValue(oid); }
}

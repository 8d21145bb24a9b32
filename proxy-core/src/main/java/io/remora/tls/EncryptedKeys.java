package io.remora.tls;

import io.remora.config.TlsCertificate;

import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code TlsCertificate}'s {@code password}: PEM private keys encrypted as PKCS#8 ("ENCRYPTED
 * PRIVATE KEY", openssl's default) or in OpenSSL's legacy form ("Proc-Type: 4,ENCRYPTED"), and
 * {@code pkcs12} containers. Decrypted once, at translation, into the plain PEM the TLS contexts
 * are built from, so a wrong password fails the config, not each handshake.
 */
public final class EncryptedKeys {
    private static final Pattern PKCS8 = Pattern.compile(
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\\s*([A-Za-z0-9+/=\\s]+?)\\s*-----END ENCRYPTED PRIVATE KEY-----");
    private static final Pattern LEGACY = Pattern.compile(
            "-----BEGIN ([A-Z]+) PRIVATE KEY-----\\s*Proc-Type:\\s*4,ENCRYPTED\\s*DEK-Info:\\s*([A-Z0-9-]+),([0-9A-Fa-f]+)"
                    + "\\s*([A-Za-z0-9+/=\\s]+?)\\s*-----END \\1 PRIVATE KEY-----");

    private EncryptedKeys() {
    }

    /** Whether the PEM holds an encrypted private key. */
    public static boolean encrypted(String pem) {
        return PKCS8.matcher(pem).find() || LEGACY.matcher(pem).find();
    }

    /**
     * The PEM's private key decrypted with {@code password}, as plain PKCS#8 PEM; an unencrypted
     * key is returned as it is (Envoy ignores a password it does not need).
     *
     * @throws GeneralSecurityException a wrong password or an unsupported cipher
     */
    public static String decrypt(String pem, String password) throws GeneralSecurityException {
        Matcher m = PKCS8.matcher(pem);
        if (m.find()) {
            return pem(pkcs8(Base64.getMimeDecoder().decode(m.group(1)), chars(password)));
        }
        m = LEGACY.matcher(pem);
        if (m.find()) {
            byte[] der = legacy(m.group(2), HexFormat.of().parseHex(m.group(3)),
                    Base64.getMimeDecoder().decode(m.group(4)), password);
            String plain = "-----BEGIN " + m.group(1) + " PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder().encodeToString(der) + "\n-----END " + m.group(1) + " PRIVATE KEY-----\n";
            try {
                return pem(Pem.privateKey(plain));
            } catch (GeneralSecurityException | RuntimeException e) {
                // CBC padding may check out by chance with a wrong key; the DER then does not parse.
                throw new GeneralSecurityException("cannot decrypt the private key (wrong password?)");
            }
        }
        return pem;
    }

    /**
     * A PKCS#12 container's first private key and its certificate chain, as PEM.
     *
     * @throws GeneralSecurityException a wrong password, a broken container, or no key in it
     */
    public static TlsCertificate pkcs12(byte[] der, String password) throws GeneralSecurityException {
        char[] pw = chars(password);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try {
            ks.load(new ByteArrayInputStream(der), pw);
        } catch (IOException e) {
            throw new GeneralSecurityException(e.getCause() instanceof java.security.UnrecoverableKeyException
                    ? "wrong password" : String.valueOf(e.getMessage()), e);
        }
        for (String alias : Collections.list(ks.aliases())) {
            if (!ks.isKeyEntry(alias)) {
                continue;
            }
            Key key = ks.getKey(alias, pw);
            Certificate[] chain = ks.getCertificateChain(alias);
            if (!(key instanceof PrivateKey pk) || chain == null || chain.length == 0) {
                continue;
            }
            StringBuilder certs = new StringBuilder();
            for (Certificate c : chain) {
                certs.append(block("CERTIFICATE", ((X509Certificate) c).getEncoded()));
            }
            return new TlsCertificate(certs.toString(), pem(pk));
        }
        throw new GeneralSecurityException("no private key with a certificate in the PKCS#12 container");
    }

    private static PrivateKey pkcs8(byte[] der, char[] password) throws GeneralSecurityException {
        EncryptedPrivateKeyInfo info;
        try {
            info = new EncryptedPrivateKeyInfo(der);
        } catch (IOException e) {
            throw new GeneralSecurityException("invalid ENCRYPTED PRIVATE KEY: " + e.getMessage(), e);
        }
        // PBES2 is named by its parameters (e.g. PBEWithHmacSHA256AndAES_256), PBES1 by its OID.
        String alg = info.getAlgName();
        if ((alg.equals("PBES2") || alg.equals("1.2.840.113549.1.5.13")) && info.getAlgParameters() != null) {
            alg = info.getAlgParameters().toString();
        }
        Cipher cipher = Cipher.getInstance(alg);
        cipher.init(Cipher.DECRYPT_MODE, SecretKeyFactory.getInstance(alg).generateSecret(new PBEKeySpec(password)),
                info.getAlgParameters());
        try {
            return Pem.privateKey(block("PRIVATE KEY", info.getKeySpec(cipher).getEncoded()));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new GeneralSecurityException("cannot decrypt the private key (wrong password?)", e);
        }
    }

    /** OpenSSL's traditional PEM encryption: the key from EVP_BytesToKey (MD5, one round, the IV's first 8 bytes as salt). */
    private static byte[] legacy(String dekInfo, byte[] iv, byte[] body, String password)
            throws GeneralSecurityException {
        String transformation;
        String keyAlg;
        int keyLen;
        switch (dekInfo) {
            case "AES-128-CBC" -> { transformation = "AES/CBC/PKCS5Padding"; keyAlg = "AES"; keyLen = 16; }
            case "AES-192-CBC" -> { transformation = "AES/CBC/PKCS5Padding"; keyAlg = "AES"; keyLen = 24; }
            case "AES-256-CBC" -> { transformation = "AES/CBC/PKCS5Padding"; keyAlg = "AES"; keyLen = 32; }
            case "DES-EDE3-CBC" -> { transformation = "DESede/CBC/PKCS5Padding"; keyAlg = "DESede"; keyLen = 24; }
            case "DES-CBC" -> { transformation = "DES/CBC/PKCS5Padding"; keyAlg = "DES"; keyLen = 8; }
            default -> throw new GeneralSecurityException("unsupported PEM encryption " + dekInfo);
        }
        byte[] pw = password == null ? new byte[0] : password.getBytes(StandardCharsets.UTF_8);
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        byte[] key = new byte[keyLen];
        byte[] prev = new byte[0];
        for (int filled = 0; filled < keyLen; ) {
            md5.update(prev);
            md5.update(pw);
            md5.update(iv, 0, 8);
            prev = md5.digest();
            int n = Math.min(prev.length, keyLen - filled);
            System.arraycopy(prev, 0, key, filled, n);
            filled += n;
        }
        Cipher c = Cipher.getInstance(transformation);
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, keyAlg), new IvParameterSpec(iv));
        try {
            return c.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new GeneralSecurityException("cannot decrypt the private key (wrong password?)", e);
        }
    }

    private static char[] chars(String password) {
        return password == null ? new char[0] : password.toCharArray();
    }

    private static String pem(PrivateKey key) {
        return block("PRIVATE KEY", key.getEncoded());
    }

    private static String block(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[]{'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}

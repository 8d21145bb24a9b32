package io.remora.extensions.common.aws;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPrivateKeySpec;

/**
 * SigV4A's ECDSA P-256 key, derived from the credentials as AWS's SDKs and Envoy's
 * {@code SigV4AKeyDerivation} do (NIST SP 800-108 counter-mode KDF with HMAC-SHA256 keyed by
 * {@code AWS4A<secret>} over the algorithm name and access key id, retried with the next counter
 * until the candidate is at most n-2; the key is that plus one), and the signatures made with it
 * (DER, hex). Derived once per configured signer: the credentials are fixed at translation.
 */
public final class SigV4AKey {

    public static final String ALGORITHM = "AWS4-ECDSA-P256-SHA256";
    /** P-256's group order minus two. */
    private static final BigInteger N_MINUS_2 =
            new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC63254F", 16);

    private final BigInteger d;
    private final PrivateKey key;

    public SigV4AKey(String accessKeyId, String secretAccessKey) {
        this.d = derive(accessKeyId, secretAccessKey);
        try {
            AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
            params.init(new ECGenParameterSpec("secp256r1"));
            this.key = KeyFactory.getInstance("EC")
                    .generatePrivate(new ECPrivateKeySpec(d, params.getParameterSpec(ECParameterSpec.class)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("P-256 is part of every Java runtime", e);
        }
    }

    /** The private scalar. */
    public BigInteger privateScalar() {
        return d;
    }

    static BigInteger derive(String accessKeyId, String secretAccessKey) {
        byte[] hmacKey = ("AWS4A" + secretAccessKey).getBytes(StandardCharsets.UTF_8);
        byte[] id = accessKeyId.getBytes(StandardCharsets.UTF_8);
        byte[] label = ALGORITHM.getBytes(StandardCharsets.US_ASCII);
        for (int counter = 1; counter <= 254; counter++) {
            ByteArrayOutputStream in = new ByteArrayOutputStream(32 + id.length);
            in.writeBytes(new byte[]{0, 0, 0, 1});
            in.writeBytes(label);
            in.write(0);
            in.writeBytes(id);
            in.write(counter);
            in.writeBytes(new byte[]{0, 0, 1, 0}); // 256 bits of output
            BigInteger candidate = new BigInteger(1, SigV4Signer.hmac(hmacKey, in.toByteArray()));
            if (candidate.compareTo(N_MINUS_2) <= 0) {
                return candidate.add(BigInteger.ONE);
            }
        }
        throw new IllegalStateException("SigV4A key derivation exhausted its counter");
    }

    /** ECDSA-SHA256 of {@code stringToSign}, DER-encoded, in hex. */
    String sign(String stringToSign) {
        try {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(key);
            s.update(stringToSign.getBytes(StandardCharsets.UTF_8));
            return SigV4Signer.hex(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ECDSA P-256 is part of every Java runtime", e);
        }
    }
}

package io.remora.extensions.common.aws;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import org.bouncycastle.asn1.nist.NISTNamedCurves;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPublicKeySpec;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SigV4A: the key derived for the AWS signing test suite's credentials has the suite's public key,
 * and a signed request's ECDSA signature verifies with it over a string to sign built here.
 */
class SigV4AKeyTest {

    static final X9ECParameters P256 = NISTNamedCurves.getByName("P-256");

    /** The public key of AKIDEXAMPLE's SigV4A key in AWS's aws-c-auth v4a test suite. */
    static final String SUITE_X = "b6618f6a65740a99e650b33b6b4b5bd0d43b176d721a3edfea7e7d2d56d936b1";
    static final String SUITE_Y = "865ed22a7eadc9c5cb9d2cbaca1b3699139fedc5043dc6661864218330c8e518";

    static ECPoint publicPoint(BigInteger d) {
        return P256.getG().multiply(d).normalize();
    }

    @Test
    void derivedKeyIsTheSuitesKey() {
        ECPoint q = publicPoint(new SigV4AKey("AKIDEXAMPLE", SigV4SignerTest.SECRET).privateScalar());
        assertEquals(SUITE_X, q.getAffineXCoord().toBigInteger().toString(16));
        assertEquals(SUITE_Y, q.getAffineYCoord().toBigInteger().toString(16));
    }

    @Test
    void signsWithTheRegionSetAndVerifies() throws Exception {
        SigV4Signer signer = new SigV4Signer("service", "us-east-1,us-west-*",
                SigV4SignerTest.creds("AKIDEXAMPLE", SigV4SignerTest.SECRET, null), List.of(), false, 5, true);
        Http2Headers h = new DefaultHttp2Headers().method("GET").path("/").authority("example.amazonaws.com");
        signer.signEmptyPayload(h, SigV4SignerTest.NOW);
        assertEquals("us-east-1,us-west-*", h.get("x-amz-region-set").toString());
        Matcher m = Pattern.compile("AWS4-ECDSA-P256-SHA256 Credential=AKIDEXAMPLE/20150830/service/aws4_request, "
                + "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-region-set, Signature=([0-9a-f]+)")
                .matcher(h.get("authorization"));
        assertTrue(m.matches(), h.get("authorization").toString());
        String empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        String canonical = "GET\n/\n\nhost:example.amazonaws.com\nx-amz-content-sha256:" + empty
                + "\nx-amz-date:20150830T123600Z\nx-amz-region-set:us-east-1,us-west-*\n\n"
                + "host;x-amz-content-sha256;x-amz-date;x-amz-region-set\n" + empty;
        String toSign = "AWS4-ECDSA-P256-SHA256\n20150830T123600Z\n20150830/service/aws4_request\n"
                + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(canonical.getBytes(StandardCharsets.UTF_8)));
        Signature verify = Signature.getInstance("SHA256withECDSA");
        verify.initVerify(suitePublicKey());
        verify.update(toSign.getBytes(StandardCharsets.UTF_8));
        assertTrue(verify.verify(HexFormat.of().parseHex(m.group(1))));
    }

    static PublicKey suitePublicKey() throws Exception {
        AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
        params.init(new ECGenParameterSpec("secp256r1"));
        java.security.spec.ECPoint w = new java.security.spec.ECPoint(new BigInteger(SUITE_X, 16),
                new BigInteger(SUITE_Y, 16));
        return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w,
                params.getParameterSpec(ECParameterSpec.class)));
    }
}

package io.remora.tls;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** otherName values rendered as Envoy's generalNameAsString renders them. */
class OtherNameSanTest {

    /** SEQUENCE { OID 1.2.3.4, [0] { [0] { value } } }, as the JDK hands an otherName out. */
    static OtherNameSan jdk(String valueHex) {
        byte[] value = HexFormat.of().parseHex(valueHex);
        byte[] inner = concat(new byte[]{(byte) 0xa0, (byte) value.length}, value);
        byte[] outer = concat(new byte[]{(byte) 0xa0, (byte) inner.length}, inner);
        byte[] body = concat(HexFormat.of().parseHex("06032a0304"), outer);
        return OtherNameSan.parse(concat(new byte[]{0x30, (byte) body.length}, body));
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void valuesByType() {
        assertEquals(new OtherNameSan("1.2.3.4", "hi"), jdk("0c026869"), "UTF8String");
        assertEquals("hi", jdk("16026869").value(), "IA5String");
        assertEquals("-2", jdk("0201fe").value(), "INTEGER, signed, decimal");
        assertEquals("300", jdk("0202012c").value());
        assertEquals("true", jdk("0101ff").value(), "BOOLEAN");
        assertEquals("false", jdk("010100").value());
        assertEquals("1.3.6.1.4.1.311.20.2.3", jdk("060a2b060104018237140203").value(), "OID, dotted");
        assertEquals("hé", jdk("1e04006800e9").value(), "BMPString");
        assertEquals("", jdk("0500").value(), "NULL");
    }

    @Test
    void singleTaggedFormAndGarbage() {
        // SEQUENCE { OID 2.999, [0] UTF8String "x" }: the standard encoding parses too
        assertEquals(new OtherNameSan("2.999", "x"), OtherNameSan.parse(HexFormat.of().parseHex("300906028837a0030c0178")));
        assertNull(OtherNameSan.parse(new byte[]{0x04, 0x00}));
        assertNull(OtherNameSan.parse(new byte[]{0x30, 0x05, 0x06}));
    }
}

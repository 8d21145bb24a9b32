package io.remora.accesslog;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The bytes of a formatted line, as Envoy writes them. Envoy's header values are bytes and it logs
 * them as they came; Netty holds each header byte as one char (ISO-8859-1), so a UTF-8 value
 * ("café" sent as {@code 63 61 66 c3 a9}) reaches the line as "cafÃ©", which plain UTF-8 encoding
 * would write as {@code c3 83 c2 a9}. A run of chars from U+0080 to U+00FF whose bytes are valid
 * UTF-8 is therefore written as those bytes; anything else (the config's own text, a lone
 * U+00E9, which is no UTF-8 sequence by itself) is encoded as UTF-8. A header value that is not
 * UTF-8 keeps its chars' UTF-8 form: a Java string cannot carry it as bytes.
 */
final class LineBytes {

    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

    /** One per writer thread: the decoder is not thread-safe. */
    LineBytes() {
    }

    byte[] encode(String s) {
        int n = s.length();
        int k = 0;
        while (k < n && s.charAt(k) < 0x80) {
            k++;
        }
        if (k == n) {
            return s.getBytes(StandardCharsets.ISO_8859_1); // ASCII: the common case
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(n + 16);
        out.write(s.getBytes(StandardCharsets.ISO_8859_1), 0, k);
        while (k < n) {
            char c = s.charAt(k);
            if (c < 0x80) {
                out.write(c);
                k++;
            } else if (c <= 0xFF) {
                int end = k;
                while (end < n && s.charAt(end) >= 0x80 && s.charAt(end) <= 0xFF) {
                    end++;
                }
                byte[] run = s.substring(k, end).getBytes(StandardCharsets.ISO_8859_1);
                byte[] bytes = validUtf8(run) ? run : s.substring(k, end).getBytes(StandardCharsets.UTF_8);
                out.write(bytes, 0, bytes.length);
                k = end;
            } else {
                int end = k + Character.charCount(s.codePointAt(k));
                byte[] bytes = s.substring(k, end).getBytes(StandardCharsets.UTF_8);
                out.write(bytes, 0, bytes.length);
                k = end;
            }
        }
        return out.toByteArray();
    }

    private boolean validUtf8(byte[] run) {
        try {
            utf8.reset().decode(ByteBuffer.wrap(run));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}

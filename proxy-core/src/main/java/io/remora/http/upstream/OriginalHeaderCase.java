package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.util.AsciiString;

/**
 * The preserve_case formatter of one message: the names as the peer spelled them, noted as its
 * head is parsed, written again when the message leaves over HTTP/1.1. The first spelling of a
 * name wins (Envoy keeps one per name); names the peer did not send are written as held, or
 * Proper-Cased ({@code formatter_type_on_envoy_headers}). Made only on a connection with the
 * option: the message's header block holds it ({@link io.remora.http.HeaderBlock#nameCase()}).
 */
public final class OriginalHeaderCase extends HeaderNameCase {

    private final boolean properCaseOthers;
    private AsciiString[] names = new AsciiString[8];
    private int count;
    /** forward_reason_phrase: the response's reason phrase as received, or null. */
    private AsciiString reasonPhrase;

    public OriginalHeaderCase(boolean properCaseOthers) {
        this.properCaseOthers = properCaseOthers;
    }

    /** Notes the name in {@code b[off, off + len)} as spelled, unless one of its spellings is noted already. */
    void remember(byte[] b, int off, int len) {
        for (int i = 0; i < count; i++) {
            if (Http1FieldLines.sameBytes(names[i], b, off, len, true)) {
                return;
            }
        }
        if (count == names.length) {
            names = java.util.Arrays.copyOf(names, 2 * count);
        }
        names[count++] = new AsciiString(b, off, len, true);
    }

    /** The spelling the peer used for {@code name}, or null. */
    public AsciiString original(CharSequence name) {
        for (int i = 0; i < count; i++) {
            if (names[i].contentEqualsIgnoreCase(name)) {
                return names[i];
            }
        }
        return null;
    }

    void reasonPhrase(AsciiString phrase) {
        reasonPhrase = phrase.isEmpty() ? null : phrase;
    }

    /** The upstream's reason phrase to write downstream (forward_reason_phrase), or null for the standard one. */
    public AsciiString reasonPhrase() {
        return reasonPhrase;
    }

    @Override
    public void write(ByteBuf out, CharSequence name) {
        AsciiString o = original(name);
        if (o != null) {
            out.writeBytes(o.array(), o.arrayOffset(), o.length());
        } else if (properCaseOthers) {
            writeProperCase(out, name);
        } else {
            Http1Wire.write(out, name);
        }
    }
}

package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.remora.config.Http1Options;

/**
 * How header names are written on the HTTP/1.1 wire when not as held (lower case): Envoy's
 * header key formatters. A name keeps its length, only its letters' case changes.
 */
public abstract class HeaderNameCase {

    /** {@code proper_case_words}: "content-type" is written "Content-Type". */
    public static final HeaderNameCase PROPER = new HeaderNameCase() {
        @Override
        public void write(ByteBuf out, CharSequence name) {
            writeProperCase(out, name);
        }
    };

    /** Writes {@code name} in this case. */
    public abstract void write(ByteBuf out, CharSequence name);

    /** The format a connection with these options writes names in when the message carries none; null: as held. */
    public static HeaderNameCase of(Http1Options options) {
        return options.headerKeyFormat() == Http1Options.HeaderKeyFormat.PROPER_CASE ? PROPER : null;
    }

    /**
     * As Envoy's ProperCaseHeaderKeyFormatter: a letter is upper-cased at the start and after
     * any character that is neither a letter nor a digit.
     */
    static void writeProperCase(ByteBuf out, CharSequence name) {
        boolean capitalize = true;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
            out.writeByte(capitalize && c >= 'a' && c <= 'z' ? c - 32 : c);
            capitalize = !letter && !(c >= '0' && c <= '9');
        }
    }
}

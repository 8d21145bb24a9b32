package io.remora.config;

import java.util.Arrays;

/**
 * One type-length-value record of a PROXY protocol version 2 header ({@code config.core.v3.TlvEntry}).
 * Equal by content: TLVs take part in the HTTP pools' keys.
 *
 * @param type  0-255
 * @param value the bytes, at most 65535 (copied in; the accessor hands out the record's own
 *              array, which callers only read: it is written into each header)
 */
public record ProxyProtocolTlv(int type, byte[] value) {

    public ProxyProtocolTlv {
        value = value.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ProxyProtocolTlv t && t.type == type && Arrays.equals(t.value, value);
    }

    @Override
    public int hashCode() {
        return type * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "TLV(" + type + ", " + value.length + " bytes)";
    }
}

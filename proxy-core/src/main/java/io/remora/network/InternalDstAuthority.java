package io.remora.network;

/**
 * The filter state object Istio's {@code connect_authority} HTTP filter leaves for the
 * {@code istio.set_internal_dst_address} listener filter: a terminated CONNECT's authority
 * ({@code host:port}), which becomes the internal listener connection's destination, and the
 * port its ORIGINAL_DST cluster connects to instead (0: the authority's own).
 */
public record InternalDstAuthority(String authority, int port) {

    /** Its filter state name (istio/proxy's {@code SetInternalDstAddress::FilterStateKey}). */
    public static final String KEY = "istio.set_internal_dst_address";

    @Override
    public String toString() {
        return authority; // what %FILTER_STATE% prints, as the object serializes in Envoy
    }
}

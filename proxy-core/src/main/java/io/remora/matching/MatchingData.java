package io.remora.matching;

import io.netty.util.NetUtil;
import io.remora.config.MatchInput;

import java.net.InetAddress;
import java.util.List;

/** What a {@link UnifiedMatcherEvaluator} reads its inputs from: a connection, or a request on one. */
public interface MatchingData {

    /** The input's value as Envoy's input renders it; null when it has none (it then matches no key). */
    String value(MatchInput input);

    /** An address input's address, or null when there is none. */
    InetAddress address(MatchInput input);

    /**
     * False when the input cannot be had at all here (Envoy's {@code NotAvailable}: the peer
     * certificate inputs on a plaintext connection); the whole evaluation then yields no action,
     * whatever {@code on_no_match} says.
     */
    default boolean available(MatchInput input) {
        return true;
    }

    /** The dynamic metadata the {@code DynamicMetadataInput} reads; empty where there is none. */
    default java.util.Map<String, java.util.Map<String, Object>> dynamicMetadata() {
        return java.util.Map.of();
    }

    /** The runtime snapshot the runtime_fraction input matcher reads; without one its default value applies. */
    default io.remora.runtime.Runtime runtime() {
        return io.remora.runtime.Runtime.EMPTY;
    }

    static String address(InetAddress a) {
        return a == null ? null : NetUtil.toAddressString(a);
    }

    static String port(int port) {
        return port > 0 ? Integer.toString(port) : null;
    }

    /** An IP socket address's port; null for none or another kind of address. */
    static String port(java.net.SocketAddress a) {
        return a instanceof java.net.InetSocketAddress isa ? port(isa.getPort()) : null;
    }

    /** The certificate inputs' several values (SANs), comma-separated; null when there are none. */
    static String joined(List<String> values) {
        return values.isEmpty() ? null : String.join(",", values);
    }

    /** Envoy's ApplicationProtocolInput: each protocol quoted, comma-separated; null when none. */
    static String applicationProtocols(List<String> alpn) {
        if (alpn == null || alpn.isEmpty()) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        for (String p : alpn) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append('\'').append(p).append('\'');
        }
        return sb.toString();
    }

    /**
     * Envoy's header inputs: every value of the header joined with commas; null when absent (or
     * when there are no headers).
     */
    static String header(io.netty.handler.codec.http2.Http2Headers headers, String name) {
        if (headers == null) {
            return null;
        }
        List<CharSequence> all = headers.getAll(name);
        if (all.isEmpty()) {
            return null;
        }
        return all.size() == 1 ? all.get(0).toString() : String.join(",", all);
    }

    static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}

package io.remora.network;

import io.remora.accesslog.ResponseFlag;
import io.remora.accesslog.StreamInfo;

import java.util.EnumSet;

/**
 * Response flags a network filter set on its connection (Envoy's
 * {@code connection().streamInfo().setResponseFlag}), kept in the connection's filter state until
 * the connection's access log entry is written: by tcp_proxy, or by the listener for any other chain.
 */
public final class ConnectionResponseFlags {
    static final String KEY = "remora.connection_response_flags";

    private ConnectionResponseFlags() {
    }

    static void add(FilterState state, ResponseFlag flag) {
        @SuppressWarnings("unchecked")
        EnumSet<ResponseFlag> flags = state.get(KEY, EnumSet.class);
        if (flags == null) {
            flags = EnumSet.noneOf(ResponseFlag.class);
            state.set(KEY, flags, FilterState.Mutability.MUTABLE);
        }
        flags.add(flag);
    }

    /** Sets on {@code info} the flags the connection's filters set; nothing when {@code state} is null. */
    public static void copyTo(FilterState state, StreamInfo info) {
        if (state == null) {
            return;
        }
        @SuppressWarnings("unchecked")
        EnumSet<ResponseFlag> flags = state.get(KEY, EnumSet.class);
        if (flags != null) {
            flags.forEach(info::setFlag);
        }
    }
}

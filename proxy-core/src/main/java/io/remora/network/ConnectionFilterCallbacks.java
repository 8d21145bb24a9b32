package io.remora.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.remora.server.ServerContext;

/** What a network filter can do with its connection (Envoy's ReadFilterCallbacks and WriteFilterCallbacks). */
public interface ConnectionFilterCallbacks {

    Channel channel();

    ConnectionInfo connection();

    ServerContext serverContext();

    /** The connection's filter state, shared with the HTTP filters of its requests. */
    FilterState filterState();

    /**
     * Whether this proxy closed the connection (Envoy's LocalClose: a filter, tcp_proxy after its
     * upstream ended) rather than its peer (RemoteClose: a reset, an end read without half-close);
     * what {@code onClose} can ask.
     */
    boolean closedLocally();

    /**
     * Envoy's drain decision for the connection, as network filters ask it (drainClose(All)): true
     * once its filter chain drains (replaced or removed by a listener update, the listener drained),
     * the server drains every listener, or a DEFAULT listener's server fails its health check.
     */
    boolean drainClose();

    /** Resumes the read path (or the connection start) after this filter stopped it. */
    void continueReading();

    /** Passes bytes to the filters after this one on the read path; ownership passes on. */
    void injectReadDataToFilterChain(ByteBuf data, boolean endStream);

    /** Writes bytes to downstream through the write filters after this one; ownership passes on. */
    void injectWriteDataToFilterChain(ByteBuf data, boolean endStream);

    /**
     * Where {@link #close(String)} records why, in the connection's filter state: the connection's
     * {@code %CONNECTION_TERMINATION_DETAILS%} (tcp_proxy's access log reads it).
     */
    String TERMINATION_DETAILS_KEY = "remora.connection_termination_details";

    /** Closes the connection (Envoy: close with FlushWrite), recording why. */
    void close(String terminationDetails);

    /** Sets a response flag on the connection's access log entry (Envoy's connection StreamInfo). */
    default void setResponseFlag(io.remora.accesslog.ResponseFlag flag) {
        ConnectionResponseFlags.add(filterState(), flag);
    }
}

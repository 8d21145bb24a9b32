package io.remora.config;

import java.time.Duration;
import java.util.List;

/**
 * A {@code DownstreamTlsContext}'s session resumption: stateless (tickets) and stateful (the
 * server's session cache) each on unless disabled, as in Envoy; an {@code UpstreamTlsContext}'s
 * is its {@code max_session_keys}.
 *
 * @param stateless         tickets issued and accepted ({@code disable_stateless_session_resumption} off)
 * @param stateful          session-id cache kept ({@code disable_stateful_session_resumption} off)
 * @param ticketKeys        {@code session_ticket_keys}: the first encrypts, all decrypt; empty: the
 *                          TLS library's own per-context keys
 * @param ticketKeysSdsName {@code session_ticket_keys_sds_secret_config}'s secret, or null
 * @param timeout           {@code session_timeout} (whole seconds), or null for the library's default
 * @param maxSessionKeys    upstream: sessions kept to resume with ({@code max_session_keys}, Envoy's
 *                          default 1; 0: none)
 */
public record SessionResumption(boolean stateless, boolean stateful, List<SessionTicketKey> ticketKeys,
                                String ticketKeysSdsName, Duration timeout, int maxSessionKeys) {
    public static final int DEFAULT_MAX_SESSION_KEYS = 1;
    public static final SessionResumption DEFAULT = new SessionResumption(true, true, List.of(), null, null,
            DEFAULT_MAX_SESSION_KEYS);
    public static final SessionResumption OFF = new SessionResumption(false, false, List.of(), null, null, 0);

    public SessionResumption {
        ticketKeys = ticketKeys == null ? List.of() : List.copyOf(ticketKeys);
        if (maxSessionKeys < 0) {
            throw new IllegalArgumentException("maxSessionKeys < 0");
        }
    }

    /** A server's. */
    public SessionResumption(boolean stateless, boolean stateful, List<SessionTicketKey> ticketKeys,
                             String ticketKeysSdsName, Duration timeout) {
        this(stateless, stateful, ticketKeys, ticketKeysSdsName, timeout, DEFAULT_MAX_SESSION_KEYS);
    }

    /** A client's: {@code max_session_keys}. */
    public static SessionResumption client(int maxSessionKeys) {
        return maxSessionKeys == DEFAULT_MAX_SESSION_KEYS ? DEFAULT
                : new SessionResumption(true, true, List.of(), null, null, maxSessionKeys);
    }


    /** Whether any resumption is possible. */
    public boolean any() {
        return stateless || stateful;
    }
}

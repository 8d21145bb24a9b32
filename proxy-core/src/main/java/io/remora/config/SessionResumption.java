package io.remora.config;

import java.time.Duration;
import java.util.List;

/**
 * A {@code DownstreamTlsContext}'s session resumption: stateless (tickets) and stateful (the
 * server's session cache) each on unless disabled, as in Envoy.
 *
 * @param stateless         tickets issued and accepted ({@code disable_stateless_session_resumption} off)
 * @param stateful          session-id cache kept ({@code disable_stateful_session_resumption} off)
 * @param ticketKeys        {@code session_ticket_keys}: the first encrypts, all decrypt; empty: the
 *                          TLS library's own per-context keys
 * @param ticketKeysSdsName {@code session_ticket_keys_sds_secret_config}'s secret, or null
 * @param timeout           {@code session_timeout} (whole seconds), or null for the library's default
 */
public record SessionResumption(boolean stateless, boolean stateful, List<SessionTicketKey> ticketKeys,
                                String ticketKeysSdsName, Duration timeout) {
    public static final SessionResumption DEFAULT = new SessionResumption(true, true, List.of(), null, null);
    public static final SessionResumption OFF = new SessionResumption(false, false, List.of(), null, null);

    public SessionResumption {
        ticketKeys = ticketKeys == null ? List.of() : List.copyOf(ticketKeys);
    }

    /** Whether any resumption is possible. */
    public boolean any() {
        return stateless || stateful;
    }
}

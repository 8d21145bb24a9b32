package io.remora.config;

import java.util.List;

/**
 * Envoy's {@code ListenerFilterChainMatchPredicate}, a listener filter's {@code filter_disabled}:
 * when it matches a connection, that filter is skipped for it. It sees the connection's local
 * address as the filters before it left it (the original destination once original_dst or a
 * PROXY header has set it), so Istio can keep http_inspector off the ports whose protocol it
 * already knows, where a server-first protocol would otherwise wait for the client's bytes.
 */
public sealed interface ListenerFilterPredicate {

    /** Whether the filter is disabled for a connection to {@code destinationPort} (-1: not an IP address). */
    boolean matches(int destinationPort);

    /** {@code any_match}. */
    record Any() implements ListenerFilterPredicate {
        @Override
        public boolean matches(int destinationPort) {
            return true;
        }
    }

    /** {@code destination_port_range}: start inclusive, end exclusive; never an address without a port. */
    record DestinationPortRange(int start, int end) implements ListenerFilterPredicate {
        @Override
        public boolean matches(int destinationPort) {
            return destinationPort >= 0 && destinationPort >= start && destinationPort < end;
        }
    }

    /** {@code not_match}. */
    record Not(ListenerFilterPredicate rule) implements ListenerFilterPredicate {
        @Override
        public boolean matches(int destinationPort) {
            return !rule.matches(destinationPort);
        }
    }

    /** {@code and_match}. */
    record And(List<ListenerFilterPredicate> rules) implements ListenerFilterPredicate {
        public And {
            rules = List.copyOf(rules);
        }

        @Override
        public boolean matches(int destinationPort) {
            for (ListenerFilterPredicate r : rules) {
                if (!r.matches(destinationPort)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** {@code or_match}. */
    record Or(List<ListenerFilterPredicate> rules) implements ListenerFilterPredicate {
        public Or {
            rules = List.copyOf(rules);
        }

        @Override
        public boolean matches(int destinationPort) {
            for (ListenerFilterPredicate r : rules) {
                if (r.matches(destinationPort)) {
                    return true;
                }
            }
            return false;
        }
    }
}

package io.remora.server;

import java.net.SocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Where a server snapshot's listeners are bound (port 0 resolved), in config order: for the admin and tests. */
final class ListenerAddresses {
    private ListenerAddresses() {
    }

    /** The address a listener is bound to, or null. */
    static SocketAddress of(ServerSnapshot snapshot, String listenerName) {
        ActiveListener al = snapshot.listeners().get(listenerName);
        return al == null ? null : al.boundAddress();
    }

    /** Every address of each listener (the main one first, then the additional ones; empty when not bound). */
    static Map<String, List<SocketAddress>> all(ServerSnapshot snapshot) {
        Map<String, List<SocketAddress>> out = new LinkedHashMap<>();
        for (ActiveListener al : snapshot.listeners().values()) {
            out.put(al.name, List.copyOf(al.boundAddresses()));
        }
        return out;
    }

    /** The main address of each listener (null when not bound). */
    static Map<String, SocketAddress> main(ServerSnapshot snapshot) {
        Map<String, SocketAddress> out = new LinkedHashMap<>();
        for (ActiveListener al : snapshot.listeners().values()) {
            out.put(al.name, al.boundAddress());
        }
        return out;
    }
}

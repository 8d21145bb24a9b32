package io.remora.server;

import io.remora.config.Address;
import io.remora.config.ListenerConfig;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Whether the listeners of an update can bind, before the update is taken: Envoy creates (binds) a listener's
 * sockets inside ListenerManagerImpl::addOrUpdateListener, so an address in use or not on this host fails the LDS
 * update there, before it is ACKed. Netty binds and listens in one call, so each address is bound once and let go.
 */
final class BindProbe {
    private BindProbe() {
    }

    /**
     * For each of {@code listeners} this server would bind anew (a new name, or a changed socket), Envoy's words for
     * an address it cannot bind, by listener name; empty when every one can. A port one of the running listeners holds
     * is not probed: the update may free it (Envoy removes listeners before it adds), and the bind itself decides.
     */
    static Map<String, String> unbindable(ServerSnapshot current, List<ListenerConfig> listeners, ListenerBinder binder) {
        Set<Integer> heldPorts = new HashSet<>();
        for (ActiveListener al : current.listeners().values()) {
            for (SocketAddress a : al.boundAddresses()) {
                if (a instanceof InetSocketAddress in) {
                    heldPorts.add(in.getPort());
                }
            }
        }
        Map<String, String> failures = new LinkedHashMap<>();
        for (ListenerConfig lc : listeners) {
            ActiveListener cur = current.listeners().get(lc.name());
            if (!lc.bindToPort() || !(lc.address() instanceof Address.Tcp)
                    || cur != null && ListenerUpdate.sameSocket(cur.runtime.config(), lc) || holds(heldPorts, lc)) {
                continue;
            }
            try {
                binder.reserve(lc).close();
            } catch (BoundPorts.Failure e) {
                failures.put(lc.name(), e.envoyText());
            }
        }
        return failures;
    }

    private static boolean holds(Set<Integer> heldPorts, ListenerConfig lc) {
        if (heldPorts.contains(((Address.Tcp) lc.address()).port())) {
            return true;
        }
        for (Address a : lc.additionalAddresses()) {
            if (a instanceof Address.Tcp tcp && heldPorts.contains(tcp.port())) {
                return true;
            }
        }
        return false;
    }
}

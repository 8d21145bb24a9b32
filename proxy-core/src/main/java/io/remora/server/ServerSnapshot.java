package io.remora.server;

import io.remora.config.Address;
import io.remora.config.ServerConfig;
import io.remora.listener.ListenerRuntime;
import io.remora.route.RouteTable;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything accept-time code reads, built on the control thread and published with one volatile
 * write: the config, the listeners in config order, the lookups use_original_dst hands a
 * connection over by (exact address, then wildcard by port), and the compiled RDS route tables.
 */
record ServerSnapshot(ServerConfig config, Map<String, ActiveListener> listeners,
                      Map<InetSocketAddress, ActiveListener> byAddress,
                      Map<Integer, ActiveListener> wildcardByPort, Map<String, RouteTable> routeTables) {

    static final ServerSnapshot EMPTY = new ServerSnapshot(null, Map.of(), Map.of(), Map.of(), Map.of());

    /** The listener use_original_dst hands a connection to for this destination, or null. */
    ListenerRuntime forOriginalDestination(InetSocketAddress destination) {
        ActiveListener al = byAddress.get(destination);
        if (al == null) {
            al = wildcardByPort.get(destination.getPort());
        }
        return al == null ? null : al.runtime;
    }

    /** Indexes {@code listeners}; route tables equal to those of {@code previous} keep their compiled form. */
    static ServerSnapshot of(ServerConfig config, Map<String, ActiveListener> listeners, ServerSnapshot previous) {
        Map<InetSocketAddress, ActiveListener> byAddress = new HashMap<>();
        Map<Integer, ActiveListener> wildcard = new HashMap<>();
        for (ActiveListener al : listeners.values()) {
            if (al.runtime.config().udp() != null) {
                continue; // connections are handed to TCP listeners only
            }
            for (InetSocketAddress a : addresses(al)) {
                if (a.getAddress().isAnyLocalAddress()) {
                    wildcard.putIfAbsent(a.getPort(), al);
                } else {
                    byAddress.putIfAbsent(a, al);
                }
            }
        }
        // Listeners keep config order (/listeners, boundAddresses).
        return new ServerSnapshot(config, Collections.unmodifiableMap(new LinkedHashMap<>(listeners)),
                Map.copyOf(byAddress), Map.copyOf(wildcard), compileRoutes(config, previous.routeTables()));
    }

    /**
     * The IP addresses a listener takes connections for: where its sockets are bound (a port 0
     * resolved), or for one that does not bind, its configured addresses, additional ones included.
     */
    private static List<InetSocketAddress> addresses(ActiveListener al) {
        List<InetSocketAddress> out = new ArrayList<>();
        if (!(al.runtime.config().address() instanceof Address.Tcp)) {
            return out;
        }
        java.util.Set<java.net.SocketAddress> bound = al.boundAddresses(); // held ones too (port 0 resolved)
        if (!bound.isEmpty()) {
            for (java.net.SocketAddress a : bound) {
                if (a instanceof InetSocketAddress i && i.getAddress() != null) {
                    out.add(i);
                }
            }
            return out;
        }
        List<Address> configured = new ArrayList<>();
        configured.add(al.runtime.config().address());
        configured.addAll(al.runtime.config().additionalAddresses());
        for (Address a : configured) {
            if (a instanceof Address.Tcp tcp) {
                try {
                    out.add(new InetSocketAddress(InetAddress.getByName(tcp.host()), tcp.port()));
                } catch (UnknownHostException e) {
                    // not a listener use_original_dst can reach
                }
            }
        }
        return out;
    }

    /**
     * RDS route tables, compiled here on the control thread (never on a worker's request path);
     * a configuration equal to the running one keeps its compiled table.
     */
    private static Map<String, RouteTable> compileRoutes(ServerConfig config, Map<String, RouteTable> previous) {
        if (config.routeConfigs() == null || config.routeConfigs().isEmpty()) {
            return Map.of();
        }
        Map<String, RouteTable> out = new HashMap<>();
        config.routeConfigs().forEach((name, rc) -> {
            RouteTable prev = previous.get(name);
            out.put(name, prev != null && prev.config().equals(rc) ? prev : RouteTable.compile(rc));
        });
        return Map.copyOf(out);
    }
}

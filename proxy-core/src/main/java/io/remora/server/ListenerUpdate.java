package io.remora.server;

import io.remora.config.ListenerConfig;
import io.remora.config.ServerConfig;
import io.remora.listener.ConnectionAcceptor;
import io.remora.listener.FilterChainRuntime;
import io.remora.listener.ListenerRegistry;
import io.remora.listener.ListenerRuntime;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The listener side of one config update, as Envoy's listener manager diffs by name: an unchanged
 * listener stays as it is; a changed one on the same socket gets a new runtime (its filter chains
 * that the new runtime does not reuse drain); one whose socket changed, or a new one, is bound
 * here; a listener no longer configured stops and drains. Binding happens first, so a bind that
 * fails leaves what runs untouched.
 */
final class ListenerUpdate {
    private static final java.util.logging.Logger LOG = io.remora.log.Logging.logger("main");

    /** The listeners after the update, in config order. */
    final Map<String, ActiveListener> next = new LinkedHashMap<>();
    /** Listeners that keep their sockets and take a new runtime once the update is published. */
    final Map<ActiveListener, ListenerRuntime> runtimeSwaps = new IdentityHashMap<>();
    final List<ActiveListener> toStop = new ArrayList<>();
    final List<FilterChainRuntime> toDrain = new ArrayList<>();

    private ListenerUpdate() {
    }

    /** Builds the new runtimes and binds the new sockets; throws (having closed what it bound) if a bind fails. */
    static ListenerUpdate bind(ServerSnapshot old, ServerConfig config, ListenerRuntimeFactory runtimes,
                               ListenerBinder binder, ListenerRegistry registry) {
        ListenerUpdate u = new ListenerUpdate();
        List<ActiveListener> newlyBound = new ArrayList<>();
        try {
            for (ListenerConfig lc : config.listeners()) {
                ActiveListener cur = old.listeners().get(lc.name());
                if (cur != null && cur.runtime.config().equals(lc)) {
                    u.next.put(lc.name(), cur);
                    continue;
                }
                ListenerRuntime previous = cur == null ? null : cur.runtime;
                ListenerRuntime rt = runtimes.build(lc, previous);
                if (previous != null) {
                    u.toDrain.addAll(notReused(previous, rt));
                }
                if (cur != null && sameSocket(cur.runtime.config(), lc)) {
                    u.runtimeSwaps.put(cur, rt);
                    u.next.put(lc.name(), cur);
                } else {
                    ActiveListener al = new ActiveListener(lc.name(), new ArrayList<>(), rt);
                    if (lc.bindToPort() && lc.udp() != null) {
                        al.serverChannels.addAll(binder.bindUdp(lc, runtimes.udpHandlers(lc)));
                        LOG.info(() -> "listener '" + lc.name() + "' listening on " + describe(al) + " (UDP)");
                    } else if (lc.bindToPort()) {
                        al.serverChannels.addAll(binder.bind(lc, new ConnectionAcceptor(() -> al.runtime, registry)));
                        LOG.info(() -> "listener '" + lc.name() + "' listening on " + describe(al)
                                + " (" + lc.filterChains().size() + " filter chain(s))");
                    }
                    newlyBound.add(al);
                    u.next.put(lc.name(), al);
                    if (cur != null) {
                        u.toStop.add(cur);
                    }
                }
            }
        } catch (RuntimeException e) {
            for (ActiveListener al : newlyBound) {
                al.stopAccepting();
            }
            throw e;
        }
        for (Map.Entry<String, ActiveListener> e : old.listeners().entrySet()) {
            if (!u.next.containsKey(e.getKey())) {
                u.toStop.add(e.getValue());
                u.toDrain.addAll(e.getValue().runtime.chains());
            }
        }
        return u;
    }

    private static String describe(ActiveListener al) {
        StringBuilder sb = new StringBuilder();
        for (java.net.SocketAddress a : al.boundAddresses()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(Server.describe(a));
        }
        return sb.toString();
    }

    private static boolean sameSocket(ListenerConfig a, ListenerConfig b) {
        // A changed UDP listener binds anew: closing its old sockets ends their sessions.
        return a.udp() == null && b.udp() == null
                && a.address().equals(b.address()) && a.additionalAddresses().equals(b.additionalAddresses())
                && a.bindToPort() == b.bindToPort()
                && a.transparent() == b.transparent() && a.freebind() == b.freebind()
                && a.socketOptions().equals(b.socketOptions())
                && a.addressSocketOptions().equals(b.addressSocketOptions())
                // Backlog, SO_REUSEPORT, fast open, balance: set when the sockets are made.
                && a.socket().equals(b.socket());
    }

    private static List<FilterChainRuntime> notReused(ListenerRuntime previous, ListenerRuntime next) {
        List<FilterChainRuntime> kept = next.chains();
        List<FilterChainRuntime> out = new ArrayList<>();
        for (FilterChainRuntime fc : previous.chains()) {
            boolean reused = false;
            for (FilterChainRuntime k : kept) {
                reused |= k == fc;
            }
            if (!reused && !out.contains(fc)) {
                out.add(fc);
            }
        }
        return out;
    }
}

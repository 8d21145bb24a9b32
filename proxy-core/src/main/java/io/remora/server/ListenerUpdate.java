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
import java.util.concurrent.CompletableFuture;

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
    /** Listeners handed to the workers by this update (once they listen: not while the server initializes). */
    int created;
    /**
     * What starts draining as Envoy counts it once its workers run: a listener replaced in full on its socket (the
     * others replaced or removed are in {@link #toStop}), and the filter chains an in-place update left.
     */
    final List<String> replacedOnSocket = new ArrayList<>();
    int inPlaceDrainingChains;

    private ListenerUpdate() {
    }

    /**
     * A listener waiting for its filters' init targets: once {@code ready} it replaces its predecessor
     * (null for a new name), which serves meanwhile; {@code settled} completes when it is active or dropped.
     */
    record WarmingListener(ListenerConfig config, ActiveListener predecessor, ListenerRuntime runtime,
                           ListenerInit init, CompletableFuture<Void> ready, CompletableFuture<Void> settled) {
    }

    /** A listener's sockets could not be made: Envoy's listener_create_failure. Same message as its cause. */
    static final class BindFailure extends IllegalStateException {
        BindFailure(RuntimeException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** Listeners still warming after the update, by name. */
    final Map<String, WarmingListener> warming = new LinkedHashMap<>();

    /**
     * Builds the new runtimes and binds the new sockets; throws (having closed what it bound) if a bind fails.
     * A listener whose filters registered init targets warms instead: {@link #warming}.
     *
     * @param serverInit the server's first config: as Envoy's server init, every listener waits for all targets
     * @param listen     false while the server initializes: new sockets are bound, listened on at its end
     */
    static ListenerUpdate bind(ServerSnapshot old, Map<String, WarmingListener> oldWarming, ServerConfig config,
                               ListenerRuntimeFactory runtimes, ListenerBinder binder, ListenerRegistry registry,
                               boolean serverInit, boolean listen) {
        ListenerUpdate u = new ListenerUpdate();
        List<ActiveListener> newlyBound = new ArrayList<>();
        List<ListenerConfig> built = new ArrayList<>();
        List<ListenerRuntimeFactory.Built> runtimesBuilt = new ArrayList<>();
        for (ListenerConfig lc : config.listeners()) {
            ActiveListener cur = old.listeners().get(lc.name());
            WarmingListener w = oldWarming.get(lc.name());
            if (w != null && w.config().equals(lc)) {
                u.warming.put(lc.name(), w);
                if (w.predecessor() != null) {
                    u.next.put(lc.name(), w.predecessor());
                }
                continue;
            }
            if (cur != null && cur.runtime.config().equals(lc)) {
                u.next.put(lc.name(), cur);
                continue;
            }
            built.add(lc);
            runtimesBuilt.add(runtimes.build(lc, cur == null ? null : cur.runtime));
        }
        CompletableFuture<Void> all = serverInit ? CompletableFuture.allOf(runtimesBuilt.stream()
                .map(ListenerRuntimeFactory.Built::initialized).toArray(CompletableFuture[]::new)) : null;
        try {
            for (int i = 0; i < built.size(); i++) {
                ListenerConfig lc = built.get(i);
                ListenerRuntimeFactory.Built b = runtimesBuilt.get(i);
                ActiveListener cur = old.listeners().get(lc.name());
                CompletableFuture<Void> gate = all != null ? all : b.initialized();
                if (gate.isDone()) {
                    u.activate(lc, cur, b.runtime(), runtimes, binder, registry, newlyBound, listen);
                } else {
                    u.warming.put(lc.name(), new WarmingListener(lc, cur, b.runtime(), b.init(), gate,
                            new CompletableFuture<>()));
                    if (cur != null) {
                        u.next.put(lc.name(), cur);
                    }
                    LOG.info(() -> "listener '" + lc.name() + "' warming: waiting for " + b.init().pending());
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
        // Reordered to config order: a warmed listener may have been put after those that follow it.
        Map<String, ActiveListener> ordered = new LinkedHashMap<>();
        for (ListenerConfig lc : config.listeners()) {
            ActiveListener al = u.next.get(lc.name());
            if (al != null) {
                ordered.put(lc.name(), al);
            }
        }
        u.next.clear();
        u.next.putAll(ordered);
        return u;
    }

    /**
     * A warmed listener taking over from its predecessor, if still the one warming: the listeners
     * {@code current} has plus it, in {@code config}'s order. Throws if its bind fails.
     */
    static ListenerUpdate warmed(ServerSnapshot current, WarmingListener w, ListenerRuntimeFactory runtimes,
                                 ListenerBinder binder, ListenerRegistry registry, boolean listen) {
        ListenerUpdate u = new ListenerUpdate();
        ActiveListener cur = current.listeners().get(w.config().name());
        u.activate(w.config(), cur, w.runtime(), runtimes, binder, registry, new ArrayList<>(), listen);
        Map<String, ActiveListener> ordered = new LinkedHashMap<>();
        for (ListenerConfig lc : current.config().listeners()) {
            ActiveListener al = lc.name().equals(w.config().name()) ? u.next.get(lc.name())
                    : current.listeners().get(lc.name());
            if (al != null) {
                ordered.put(lc.name(), al);
            }
        }
        u.next.clear();
        u.next.putAll(ordered);
        return u;
    }

    /** {@code lc}'s runtime replaces {@code cur}'s on the same socket, or is bound anew (cur then stops). */
    private void activate(ListenerConfig lc, ActiveListener cur, ListenerRuntime rt, ListenerRuntimeFactory runtimes,
                          ListenerBinder binder, ListenerRegistry registry, List<ActiveListener> newlyBound,
                          boolean listen) {
        List<FilterChainRuntime> dropped = cur == null ? List.of() : notReused(cur.runtime, rt);
        toDrain.addAll(dropped);
        if (cur != null && sameSocket(cur.runtime.config(), lc)) {
            runtimeSwaps.put(cur, rt);
            next.put(lc.name(), cur);
            if (listen && inPlace(cur.runtime.config(), lc)) {
                inPlaceDrainingChains += dropped.size();
            } else if (listen) {
                replacedOnSocket.add(lc.name());
            }
            created += listen ? 1 : 0;
            return;
        }
        // Its channels are added when it listens, which may be after it is published (the server's init).
        ActiveListener al = new ActiveListener(lc.name(), new java.util.concurrent.CopyOnWriteArrayList<>(), rt);
        if (lc.bindToPort()) {
            java.util.function.Function<int[], List<io.netty.channel.Channel>> open = lc.udp() != null
                    ? ports -> binder.bindUdp(lc, runtimes.udpHandlers(lc), ports)
                    : ports -> binder.bind(lc, new ConnectionAcceptor(() -> al.runtime, registry), ports);
            try {
                if (listen) {
                    al.serverChannels.addAll(open.apply(null));
                } else {
                    al.hold(binder.reserve(lc), open);
                }
            } catch (BindFailure e) {
                throw e;
            } catch (RuntimeException e) {
                throw new BindFailure(e);
            }
            if (listen) {
                LOG.info(() -> listening(al));
            } else {
                LOG.fine(() -> "listener '" + lc.name() + "' bound to " + describe(al)
                        + "; listening once the server is initialized");
            }
        }
        newlyBound.add(al);
        created += listen ? 1 : 0;
        next.put(lc.name(), al);
        if (cur != null) {
            toStop.add(cur);
        }
    }

    /** A listener bound before the server was initialized listens now; one that cannot is logged and left out. */
    static boolean listen(ActiveListener al) {
        try {
            al.listen();
        } catch (RuntimeException e) {
            LOG.log(java.util.logging.Level.SEVERE, "listener '" + al.name + "' cannot listen: " + e.getMessage());
            return false;
        }
        if (!al.serverChannels.isEmpty()) {
            LOG.info(() -> listening(al));
        }
        return true;
    }

    static String listening(ActiveListener al) {
        ListenerConfig lc = al.runtime.config();
        return "listener '" + al.name + "' listening on " + describe(al)
                + (lc.udp() != null ? " (UDP)" : " (" + lc.filterChains().size() + " filter chain(s))");
    }

    private static String describe(ActiveListener al) {
        StringBuilder sb = new StringBuilder();
        for (java.net.SocketAddress a : al.boundAddresses()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(addressText(a));
        }
        return sb.toString();
    }

    /**
     * Envoy's ListenerImpl::supportUpdateFilterChain (workers running aside): a TCP listener whose config changed in
     * its filter chains only (ListenerMessageUtil::filterChainOnlyChange: filter_chains, default_filter_chain,
     * filter_chain_matcher) and still has one, updated in place: only the chains it no longer has drain.
     */
    static boolean inPlace(ListenerConfig was, ListenerConfig now) {
        if (was.udp() != null || now.udp() != null || now.filterChains().isEmpty()) {
            return false;
        }
        for (java.lang.reflect.RecordComponent c : ListenerConfig.class.getRecordComponents()) {
            if (FILTER_CHAIN_FIELDS.contains(c.getName())) {
                continue;
            }
            try {
                if (!java.util.Objects.equals(c.getAccessor().invoke(was), c.getAccessor().invoke(now))) {
                    return false;
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return true;
    }

    private static final java.util.Set<String> FILTER_CHAIN_FIELDS =
            java.util.Set.of("filterChains", "defaultFilterChain", "filterChainMatcher");

    static boolean sameSocket(ListenerConfig a, ListenerConfig b) {
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

    /** An address as Envoy prints it: 0.0.0.0:10000, [::]:10000, a pipe path. */
    static String addressText(java.net.SocketAddress a) {
        if (a instanceof java.net.InetSocketAddress in && in.getAddress() != null) {
            String host = io.netty.util.NetUtil.toAddressString(in.getAddress());
            return host.indexOf(':') >= 0 ? "[" + host + "]:" + in.getPort() : host + ":" + in.getPort();
        }
        if (a instanceof io.netty.channel.unix.DomainSocketAddress d) {
            return d.path();
        }
        return String.valueOf(a);
    }
}

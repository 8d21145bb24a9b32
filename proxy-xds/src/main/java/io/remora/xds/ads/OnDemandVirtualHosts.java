package io.remora.xds.ads;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * VHDS lookups on demand, as Envoy's RDS provider keeps them: each alias ({@code <route config>/<host>}) asked
 * for stays subscribed; the requests waiting for one alias share one request to the control plane and are all
 * told once a response naming that alias (as a resource's name or alias, with or without a body) has been
 * applied or rejected. Control thread only.
 */
final class OnDemandVirtualHosts {
    private static final Logger log = Logger.getLogger(OnDemandVirtualHosts.class.getName());

    private final AdsSubscriptions subscriptions;
    /** Every alias asked for so far, kept subscribed as Envoy keeps them. */
    private final Set<String> asked = new LinkedHashSet<>();
    private final Map<String, List<Runnable>> waiting = new HashMap<>();
    /** Aliases answered by responses not yet applied. */
    private final Set<String> answered = new HashSet<>();

    OnDemandVirtualHosts(AdsSubscriptions subscriptions) {
        this.subscriptions = subscriptions;
    }

    /** The aliases to keep in the VHDS subscription beyond the route configurations' namespaces. */
    Set<String> aliases() {
        return asked;
    }

    void request(String alias, Runnable done, XdsUpdateCycle cycle) {
        List<Runnable> w = waiting.get(alias);
        if (w != null) {
            w.add(done); // one lookup in flight for this host: the new request waits on it
            return;
        }
        waiting.put(alias, new ArrayList<>(List.of(done)));
        if (asked.add(alias)) {
            subscriptions.explicit(XdsResourceType.VIRTUAL_HOST, Set.copyOf(asked));
            cycle.evaluate(); // sends the subscription
        } else {
            // subscribed already (an earlier answer had no such host): Envoy asks again, so does this
            subscriptions.requestAgain(XdsResourceType.VIRTUAL_HOST, Set.of(alias));
        }
    }

    /** A VHDS response arrived naming these aliases; its waiters are told once it is applied or rejected. */
    void received(Set<String> aliases) {
        for (String a : aliases) {
            if (waiting.containsKey(a)) {
                answered.add(a);
            }
        }
    }

    /** The VHDS responses received so far were applied (or rejected): their waiters go on. */
    void settled() {
        if (answered.isEmpty()) {
            return;
        }
        List<Runnable> run = new ArrayList<>();
        for (String a : answered) {
            List<Runnable> w = waiting.remove(a);
            if (w != null) {
                run.addAll(w);
            }
        }
        answered.clear();
        for (Runnable r : run) {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.log(Level.WARNING, "VHDS: an on-demand callback failed", e);
            }
        }
    }

    /** The client closes: nothing will answer; waiters are dropped with their streams. */
    void close() {
        waiting.clear();
        answered.clear();
    }
}

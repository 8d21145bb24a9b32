package io.remora.xds.ads;

import io.envoyproxy.envoy.config.route.v3.ScopedRouteConfiguration;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Scoped RDS's scopes loaded on a request's demand, as Envoy's ScopedRdsConfigSubscription::onDemandRdsUpdate and
 * its RdsRouteConfigProviderHelper (source/common/router/scoped_rds.cc): a request whose key names an
 * {@code on_demand} scope not loaded loads it, which subscribes its route configuration; the requests waiting on
 * one scope share that one fetch and are all told once its route configuration is applied (at once when it is
 * already there). A key no scope has is answered at once. A scope SRDS removes or changes meanwhile drops its
 * waiters, as Envoy's helper goes with its callbacks. Control thread only.
 */
final class OnDemandScopes {
    private static final Logger log = Logger.getLogger(OnDemandScopes.class.getName());

    private record Waiter(ScopedRouteConfiguration scope, Runnable done) {
    }

    /** By scope name. */
    private final Map<String, List<Waiter>> waiting = new HashMap<>();

    void request(List<String> key, Runnable done, XdsUpdateCycle cycle) {
        XdsSnapshot s = cycle.accepted();
        ScopedRouteConfiguration c = byKey(s, key);
        if (c == null || routable(s, c)) {
            run(done);
            return;
        }
        waiting.computeIfAbsent(c.getName(), n -> new ArrayList<>()).add(new Waiter(c, done));
        if (!s.scopeLoaded(c)) {
            log.fine(() -> "SRDS: scope on demand update: " + c.getName());
            cycle.loadScope(c);
        }
    }

    /** A snapshot was applied: the waiters whose scope's route configuration it holds go on. */
    void applied(XdsSnapshot s) {
        List<Runnable> run = new ArrayList<>();
        for (Iterator<List<Waiter>> lists = waiting.values().iterator(); lists.hasNext(); ) {
            List<Waiter> list = lists.next();
            list.removeIf(w -> {
                if (!w.scope().equals(s.scopedRoutes().get(w.scope().getName()))) {
                    return true; // removed or replaced: dropped with its scope
                }
                if (routable(s, w.scope())) {
                    run.add(w.done());
                    return true;
                }
                return false;
            });
            if (list.isEmpty()) {
                lists.remove();
            }
        }
        run.forEach(OnDemandScopes::run);
    }

    void close() {
        waiting.clear();
    }

    private static boolean routable(XdsSnapshot s, ScopedRouteConfiguration c) {
        return s.scopeLoaded(c) && s.routes().containsKey(c.getRouteConfigurationName());
    }

    private static ScopedRouteConfiguration byKey(XdsSnapshot s, List<String> key) {
        for (ScopedRouteConfiguration c : s.scopedRoutes().values()) {
            List<ScopedRouteConfiguration.Key.Fragment> fragments = c.getKey().getFragmentsList();
            if (fragments.size() != key.size()) {
                continue;
            }
            boolean same = true;
            for (int i = 0; i < key.size() && same; i++) {
                same = fragments.get(i).getStringKey().equals(key.get(i));
            }
            if (same) {
                return c;
            }
        }
        return null;
    }

    private static void run(Runnable done) {
        try {
            done.run();
        } catch (RuntimeException e) {
            log.log(Level.WARNING, "SRDS: an on-demand callback failed", e);
        }
    }
}

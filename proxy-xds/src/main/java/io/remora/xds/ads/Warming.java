package io.remora.xds.ads;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;

import java.time.Duration;

/**
 * Envoy's warming, decided on a whole candidate snapshot: a new or changed listener waits for the route
 * configurations its HCMs load over RDS, a new or changed EDS cluster for its load assignment, and the first
 * snapshot for the first LDS and CDS responses. Each wait is bounded by its config source's
 * initial_fetch_timeout; the shortest bounds the lot.
 */
final class Warming {
    /** @param maxWait how long the candidate may still wait; null for ever (initial_fetch_timeout 0) */
    record Verdict(boolean warming, Duration maxWait) {
        static final Verdict READY = new Verdict(false, null);
    }

    private Warming() {
    }

    /** A dependency no longer waited for although missing: its fetch ended in a rejected response. */
    interface Settled {
        boolean test(XdsResourceType type, String name);
    }

    /** The listeners of {@code candidate} new or changed over {@code accepted}: what its warming holds back. */
    static java.util.Map<String, XdsResource> changedListeners(XdsSnapshot candidate, XdsSnapshot accepted) {
        java.util.Map<String, XdsResource> out = new java.util.LinkedHashMap<>();
        for (XdsResource r : candidate.state(XdsResourceType.LISTENER).resources().values()) {
            if (!r.resource().equals(accepted.listeners().get(r.name()))) {
                out.put(r.name(), r);
            }
        }
        return out;
    }

    static Verdict check(XdsSnapshot candidate, XdsSnapshot accepted, boolean initializing, Duration defaultTimeout) {
        return check(candidate, accepted, initializing, defaultTimeout, (t, n) -> false);
    }

    static Verdict check(XdsSnapshot candidate, XdsSnapshot accepted, boolean initializing, Duration defaultTimeout,
                         Settled settled) {
        boolean warming = initializing;
        Duration wait = initializing ? defaultTimeout : Duration.ZERO;
        for (Listener l : candidate.listeners().values()) {
            if (l.equals(accepted.listeners().get(l.getName()))) {
                continue;
            }
            // Envoy's listener warms until its SDS secrets arrive too: never served without them.
            for (var sds : XdsDependencies.sdsRefs(l).entrySet()) {
                if (!candidate.secrets().containsKey(sds.getKey()) && !settled.test(XdsResourceType.SECRET, sds.getKey())) {
                    warming = true;
                    wait = shorter(wait, XdsDependencies.initialFetchTimeout(sds.getValue(), defaultTimeout));
                }
            }
            // and for its discovered filters' configs, unless told to start on their defaults
            for (EcdsRefs.Ref ref : EcdsRefs.of(l)) {
                if (ref.warms() && !candidate.extensionConfigs().containsKey(ref.name())
                        && !settled.test(XdsResourceType.EXTENSION_CONFIG, ref.name())) {
                    warming = true;
                    wait = shorter(wait, XdsDependencies.initialFetchTimeout(ref.configSource(), defaultTimeout));
                }
            }
            // and for its scopes over SRDS (ScopedRdsConfigSubscription is an init target of the listener), then
            // for the route configurations they name, as the first scopes' RDS providers join its init manager
            for (XdsDependencies.SrdsRef ref : XdsDependencies.srdsRefs(l)) {
                if (!candidate.received(XdsResourceType.SCOPED_ROUTE)
                        && !settled.test(XdsResourceType.SCOPED_ROUTE, XdsResourceType.ALL)) {
                    warming = true;
                    wait = shorter(wait, XdsDependencies.initialFetchTimeout(ref.configSource(), defaultTimeout));
                }
            }
            for (XdsDependencies.RdsRef ref : XdsDependencies.rdsRefs(l, candidate)) {
                if (!candidate.routes().containsKey(ref.routeConfigName())
                        && !settled.test(XdsResourceType.ROUTE, ref.routeConfigName())) {
                    warming = true;
                    wait = shorter(wait, XdsDependencies.initialFetchTimeout(ref.configSource(), defaultTimeout));
                }
            }
        }
        for (Cluster c : candidate.clusters().values()) {
            if (!c.equals(accepted.clusters().get(c.getName()))) {
                for (var sds : XdsDependencies.sdsRefs(c).entrySet()) {
                    if (!candidate.secrets().containsKey(sds.getKey()) && !settled.test(XdsResourceType.SECRET, sds.getKey())) {
                        warming = true;
                        wait = shorter(wait, XdsDependencies.initialFetchTimeout(sds.getValue(), defaultTimeout));
                    }
                }
            }
            String service = XdsDependencies.edsServiceName(c);
            if (service == null || c.equals(accepted.clusters().get(c.getName())) || candidate.endpoints().containsKey(service)
                    || settled.test(XdsResourceType.ENDPOINT, service)) {
                continue;
            }
            warming = true;
            wait = shorter(wait, XdsDependencies.initialFetchTimeout(XdsDependencies.edsConfig(c), defaultTimeout));
        }
        return warming ? new Verdict(true, wait) : Verdict.READY;
    }

    /** The shorter of two waits, where null is for ever and ZERO is "none yet". */
    static Duration shorter(Duration a, Duration b) {
        if (a == null || a.isZero()) {
            return b;
        }
        return b == null || a.compareTo(b) <= 0 ? a : b;
    }
}

package io.remora.http.router;

import io.remora.network.ConnectionInfo;
import io.remora.upstream.Host;
import io.remora.upstream.LoadBalancerContext;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * What the load balancer asks of one routed request (Envoy's LoadBalancerContext, which the router
 * is): retry host predicates and priorities over the hosts tried so far, the route's hash key
 * (computed at each pick, as Envoy's computeHashKey), ORIGINAL_DST's destination.
 */
final class RouterLbContext implements LoadBalancerContext {
    private static final java.util.function.ToIntFunction<Host> HOST_PRIORITY = Host::priority;
    private static final String ENVOY_LB = "envoy.lb";
    private final RouterFilter router;
    private long excludedPriorities;
    /** Cookies a hash policy with a ttl generated, one per pick; the router sets them on the response. */
    List<String> setCookies;
    /** The hosts tried, in order: the first in a field, the others (retries) in a list made for them. */
    private Host firstAttempted;
    private List<Host> laterAttempted;

    RouterLbContext(RouterFilter router) {
        this.router = router;
    }

    /**
     * Envoy's Router::metadataMatchCriteria: the route's {@code metadata_match}, with the request's
     * {@code envoy.lb} dynamic metadata (header_to_metadata, Lua, ext_authz...) merged over it, the
     * request's value winning for a key both name.
     */
    @Override
    public java.util.Map<String, Object> metadataMatch() {
        if (router.route == null || router.cluster == null) {
            return null;
        }
        java.util.Map<String, Object> route = router.route.metadataMatch(router.cluster.config().name());
        java.util.Map<String, Object> request = router.cb.streamInfo().dynamicMetadata(ENVOY_LB);
        if (request == null || request.isEmpty()) {
            return route;
        }
        java.util.Map<String, Object> merged = new java.util.HashMap<>(route == null ? java.util.Map.of() : route);
        merged.putAll(request);
        return merged;
    }

    @Override
    public boolean shouldSelectAnotherHost(Host host) {
        if (router.retry == null) {
            return false;
        }
        // Envoy's retry host predicates: previous_hosts, omit_canary_hosts, omit_host_metadata.
        RetryState r = router.retry;
        return r.retryOtherHosts() && alreadyTried(host)
                || r.omitCanaryHosts() && host.canary()
                || !r.omitHostMetadata().isEmpty() && RetryState.labelsMatch(r.omitHostMetadata(), host.lbMetadata());
    }

    /** The router is trying {@code host}. */
    void onAttempt(Host host) {
        if (firstAttempted == null) {
            firstAttempted = host;
        } else {
            if (laterAttempted == null) {
                laterAttempted = new ArrayList<>(2);
            }
            laterAttempted.add(host);
        }
    }

    private int attemptedCount() {
        return firstAttempted == null ? 0 : 1 + (laterAttempted == null ? 0 : laterAttempted.size());
    }

    private Host attemptedHost(int i) {
        return i == 0 ? firstAttempted : laterAttempted.get(i - 1);
    }

    private boolean alreadyTried(Host host) {
        for (int i = 0, n = attemptedCount(); i < n; i++) {
            if (attemptedHost(i).equals(host)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public int hostSelectionRetryCount() {
        return router.retry != null && router.retry.hasHostPredicate() ? router.retry.hostSelectionAttempts() : 0;
    }

    /**
     * Envoy's previous_priorities: once every update_frequency attempts, the priorities of the
     * hosts tried so far are excluded from the priority load of the following picks.
     */
    @Override
    public long excludedPriorities() {
        return excludedPriorities(HOST_PRIORITY);
    }

    @Override
    public long excludedPriorities(java.util.function.ToIntFunction<Host> priorityOf) {
        int f = router.retry == null ? 0 : router.retry.previousPrioritiesUpdateFrequency();
        int n = attemptedCount();
        if (f <= 0 || n < f) {
            return 0;
        }
        if (n % f == 0) {
            long mask = 0;
            for (int i = 0; i < n; i++) {
                int p = priorityOf.applyAsInt(attemptedHost(i));
                if (p >= 0 && p < 64) {
                    mask |= 1L << p;
                }
            }
            excludedPriorities = mask;
        }
        return excludedPriorities;
    }

    /**
     * The route's hash policies over the request as it is now. Not cached: Envoy's router evaluates
     * them at every pick (each retry and hedge), and a cookie policy with a ttl adds its
     * Set-Cookie each time.
     */
    @Override
    public java.util.OptionalLong computeHashKey() {
        if (router.action == null || router.action.hashPolicies().isEmpty()) {
            return java.util.OptionalLong.empty();
        }
        ConnectionInfo ci = router.cb.connection();
        return io.remora.upstream.lb.RequestHash.compute(router.action.hashPolicies(), router.requestHeaders,
                ci == null ? null : ci.remoteAddress(), ci == null ? null : ci.localAddress(), c -> {
                    if (setCookies == null) {
                        setCookies = new ArrayList<>(1);
                    }
                    setCookies.add(c);
                }, k -> router.info.filterState() == null ? null : router.info.filterState().get(k));
    }

    /** Only the first attempt: as Envoy's router, a retry (or hedge) balances normally. */
    @Override
    public io.remora.upstream.OverrideHost overrideHost() {
        if (firstAttempted != null) {
            return null;
        }
        // The stream's own filter state only if something made it: asking the callbacks would make
        // one for every request, and only a stateful session filter ever leaves an override.
        io.remora.network.FilterState state = router.info.filterState();
        return state == null ? null : state.get(io.remora.upstream.OverrideHost.FILTER_STATE_KEY,
                io.remora.upstream.OverrideHost.class);
    }

    /** ORIGINAL_DST clusters with use_http_header read x-envoy-original-dst-host from the request. */
    @Override
    public CharSequence downstreamHeader(String name) {
        return router.requestHeaders == null ? null : router.requestHeaders.get(name);
    }

    @Override
    public String requestedServerName() {
        ConnectionInfo ci = router.cb.connection();
        return ci == null ? null : ci.serverName();
    }

    /** Only the stream's own state if something made it, which sees its connection's. */
    @Override
    public Object filterState(String key) {
        io.remora.network.FilterState state = router.info.filterState();
        return state == null ? null : state.get(key);
    }

    @Override
    public InetSocketAddress destinationOverride() {
        // The stream's state, which sees its connection's (where a listener filter left it).
        return router.cb.filterState().originalDstAddress();
    }

    /** ORIGINAL_DST clusters connect where the downstream meant to go before iptables redirected it. */
    @Override
    public InetSocketAddress originalDestination() {
        ConnectionInfo ci = router.cb.connection();
        if (ci == null) {
            return null;
        }
        if (ci.originalDestination() != null) {
            return ci.originalDestination();
        }
        return ci.localAddress() instanceof InetSocketAddress local ? local : null;
    }
}

package io.remora.xds.runtime;

import com.google.protobuf.Any;
import com.google.protobuf.Timestamp;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.remora.xds.ads.ListenerErrorStates;
import io.remora.xds.ads.XdsResource;
import io.remora.xds.ads.XdsResourceType;
import io.remora.xds.ads.XdsSnapshot;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The dynamic listeners of {@code /config_dump}, as Envoy's ListenerManagerImpl::dumpListenerConfigs lists them: one
 * entry per name, its {@code active_state} (in {@code warming_state} until the workers start, or while the listener
 * waits for its init targets), the version LDS brought that warms in {@code warming_state} beside what runs, then the
 * replaced or removed version the server drains in {@code draining_state}, then the error states of the last LDS update.
 *
 * @param serverWarming whether the server holds the listener of that name while it waits for its init targets
 * @param workersStarted whether the server's workers started (before, Envoy shows every listener as warming)
 * @param warmingAhead the listeners LDS brought that warm before the server has them
 * @param draining the replaced or removed versions of the listeners the server drains
 * @param errors what the last LDS update left failing
 */
record ListenersDump(Predicate<String> serverWarming, boolean workersStarted, Map<String, XdsResource> warmingAhead,
                     Map<String, XdsResource> draining, ListenerErrorStates errors) {

    static ListenersDump of(Proxy proxy) {
        return new ListenersDump(proxy.server()::listenerWarming, proxy.server().workersStarted(),
                proxy.listenersWarmingAhead(), proxy.listenersDraining(), proxy.listenerErrors());
    }

    void addTo(ListenersConfigDump.Builder listeners, XdsSnapshot snapshot) {
        Map<String, ListenersConfigDump.DynamicListener.Builder> byName = new LinkedHashMap<>();
        for (XdsResource r : snapshot.state(XdsResourceType.LISTENER).resources().values()) {
            var dynamic = entry(byName, r.name());
            // A changed listener warming on the server: the version still serving is not kept, only the one warming.
            if (!workersStarted || serverWarming.test(r.name())) {
                dynamic.setWarmingState(state(r));
            } else {
                dynamic.setActiveState(state(r));
            }
        }
        for (XdsResource r : warmingAhead.values()) {
            entry(byName, r.name()).setWarmingState(state(r));
        }
        for (XdsResource r : draining.values()) {
            entry(byName, r.name()).setDrainingState(state(r));
        }
        errors.byName().forEach((name, state) -> entry(byName, name).setErrorState(state));
        byName.values().forEach(listeners::addDynamicListeners);
        for (io.envoyproxy.envoy.admin.v3.UpdateFailureState state : errors.unnamed()) {
            listeners.addDynamicListeners(ListenersConfigDump.DynamicListener.newBuilder().setErrorState(state));
        }
    }

    private static ListenersConfigDump.DynamicListener.Builder entry(
            Map<String, ListenersConfigDump.DynamicListener.Builder> byName, String name) {
        return byName.computeIfAbsent(name, n -> ListenersConfigDump.DynamicListener.newBuilder().setName(n));
    }

    private static ListenersConfigDump.DynamicListenerState state(XdsResource r) {
        return ListenersConfigDump.DynamicListenerState.newBuilder().setVersionInfo(r.version())
                .setListener(Any.pack(r.resource())).setLastUpdated(ts(r.lastUpdated())).build();
    }

    private static Timestamp ts(java.time.Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }
}

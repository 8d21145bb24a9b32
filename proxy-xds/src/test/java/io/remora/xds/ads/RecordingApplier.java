package io.remora.xds.ads;

import io.envoyproxy.envoy.config.listener.v3.Listener;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * Records every snapshot applied; rejects listeners named "bad" (or "bad-...") and route configurations named "bad-route" as a
 * translator would reject invalid ones; notes when initialization ends without a snapshot.
 */
final class RecordingApplier implements XdsConfigApplier {
    final List<XdsSnapshot> applied = new CopyOnWriteArrayList<>();
    final List<XdsSnapshot> rejected = new CopyOnWriteArrayList<>();
    final java.util.concurrent.CountDownLatch initializedWithoutSnapshot = new java.util.concurrent.CountDownLatch(1);

    @Override
    public void apply(XdsSnapshot snapshot) throws XdsRejectedException {
        for (Listener l : snapshot.listeners().values()) {
            if (l.getName().equals("bad") || l.getName().startsWith("bad-")) {
                rejected.add(snapshot);
                throw new XdsRejectedException(l.getName(), "address: port 0 is not allowed");
            }
        }
        if (snapshot.routes().containsKey("bad-route")) {
            rejected.add(snapshot);
            throw new XdsRejectedException("bad-route", "virtual_hosts[0].domains: duplicate domain");
        }
        applied.add(snapshot);
    }

    @Override
    public void initialized() {
        initializedWithoutSnapshot.countDown();
    }

    XdsSnapshot last() {
        return applied.get(applied.size() - 1);
    }

    XdsSnapshot await(String what, Predicate<XdsSnapshot> p) {
        TestControlPlane.await(what, () -> applied.stream().anyMatch(p));
        return applied.stream().filter(p).findFirst().orElseThrow();
    }
}

package io.remora.xds.ads;

import io.envoyproxy.envoy.config.listener.v3.Listener;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** Records every snapshot applied; rejects listeners named "bad" as a translator would reject an invalid one. */
final class RecordingApplier implements XdsConfigApplier {
    final List<XdsSnapshot> applied = new CopyOnWriteArrayList<>();
    final List<XdsSnapshot> rejected = new CopyOnWriteArrayList<>();

    @Override
    public void apply(XdsSnapshot snapshot) throws XdsRejectedException {
        for (Listener l : snapshot.listeners().values()) {
            if (l.getName().equals("bad")) {
                rejected.add(snapshot);
                throw new XdsRejectedException("bad", "address: port 0 is not allowed");
            }
        }
        applied.add(snapshot);
    }

    XdsSnapshot last() {
        return applied.get(applied.size() - 1);
    }

    XdsSnapshot await(String what, Predicate<XdsSnapshot> p) {
        TestControlPlane.await(what, () -> applied.stream().anyMatch(p));
        return applied.stream().filter(p).findFirst().orElseThrow();
    }
}

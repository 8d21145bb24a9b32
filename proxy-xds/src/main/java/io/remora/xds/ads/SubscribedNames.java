package io.remora.xds.ads;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The names subscribed per named type on every source (ADS, separate streams and, for RDS, EDS and ECDS, files), and the
 * pruning that follows from them: route configurations, load assignments, secrets, filter configs, virtual
 * hosts and scopes nobody subscribes to any more leave the snapshot, as Envoy drops a subscription's resources with it.
 * Control thread only.
 */
final class SubscribedNames {
    private static final List<XdsResourceType> PRUNED = List.of(XdsResourceType.ROUTE, XdsResourceType.ENDPOINT,
            XdsResourceType.SECRET, XdsResourceType.EXTENSION_CONFIG, XdsResourceType.VIRTUAL_HOST,
            XdsResourceType.SCOPED_ROUTE);

    private final AdsSubscriptions subscriptions;
    private final EcdsFiles ecdsFiles;
    private final FileSubscriptions files;

    SubscribedNames(AdsSubscriptions subscriptions, EcdsFiles ecdsFiles, FileSubscriptions files) {
        this.subscriptions = subscriptions;
        this.ecdsFiles = ecdsFiles;
        this.files = files;
    }

    /** The names subscribed for a type on every source. */
    Set<String> of(XdsResourceType type) {
        if (type == XdsResourceType.EXTENSION_CONFIG) {
            Set<String> all = new HashSet<>(subscriptions.allNames(type));
            all.addAll(ecdsFiles.names());
            return all;
        }
        if (type == XdsResourceType.ROUTE || type == XdsResourceType.ENDPOINT) {
            Set<String> all = new HashSet<>(subscriptions.allNames(type));
            all.addAll(files.names(type));
            return all;
        }
        return subscriptions.allNames(type);
    }

    /** {@code s} without what is no longer subscribed; what is pruned leaves {@code pending} too. */
    XdsSnapshot prune(XdsSnapshot s, PendingUpdates pending) {
        for (XdsResourceType t : PRUNED) {
            XdsSnapshot.TypeState st = s.state(t);
            Set<String> names = of(t);
            if (st.resources().keySet().stream().allMatch(n -> t.covers(names, n))) {
                continue;
            }
            Map<String, XdsResource> kept = new LinkedHashMap<>(st.resources());
            kept.keySet().removeIf(n -> !t.covers(names, n));
            XdsSnapshot.TypeState pruned = new XdsSnapshot.TypeState(st.versionInfo(), st.lastUpdated(), kept);
            pending.replaceState(t, pruned);
            s = s.with(t, pruned);
        }
        return s;
    }
}

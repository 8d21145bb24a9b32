package io.remora.xds.ads;

/**
 * Receives each complete, warmed configuration. Called on the xDS control thread, one snapshot at a time.
 * Either the whole snapshot takes effect or, by throwing, none of it does: the client then NACKs and keeps
 * handing over snapshots built on the last one that was applied. A {@link ResourcesRejected} names the listeners
 * and clusters that failed: the client hands the snapshot over again without them (each keeping what runs), as
 * Envoy's LDS and CDS add the rest of an update they NACK.
 */
public interface XdsConfigApplier {
    void apply(XdsSnapshot snapshot) throws XdsRejectedException;

    /**
     * Checks the listeners and clusters of {@code snapshot} as {@link #apply} would, changing nothing: a CDS or LDS
     * response is ACKed (or NACKed) on this while what it brings warms, and applied once warm.
     */
    default void check(XdsSnapshot snapshot) throws XdsRejectedException {
    }

    /**
     * Initialization finished with no snapshot to apply: the first LDS/CDS responses were rejected, or none came
     * before initial_fetch_timeout. Envoy's server then leaves INITIALIZING with the configuration it has.
     */
    default void initialized() {
    }

    /**
     * The listeners of the pending snapshot that wait for what they need (routes, secrets, discovered filters)
     * before they are applied, once their LDS update was checked: Envoy's warming list holds them from the moment LDS
     * brings them. Empty once applied. {@code candidate}: the snapshot they belong to (what LDS holds now), where a
     * listener that warmed before may have been removed or set back to what runs.
     */
    default void listenersWarming(java.util.Map<String, XdsResource> warming, XdsSnapshot candidate) {
    }
}

package io.remora.xds.ads;

import io.grpc.Channel;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One ADS stream in one of the two xDS protocol variants: state of the world (GRPC) or incremental
 * (DELTA_GRPC). It turns the client's decisions into requests and responses into {@link XdsUpdate}s; the client
 * owns every piece of state. Called on the control thread; the handler is called on gRPC's threads.
 */
interface XdsProtocol {
    interface Handler {
        void onUpdate(XdsUpdate update);

        /** A response's {@code control_plane.identifier}, before its update. */
        default void onControlPlane(String identifier) {
        }

        void onClosed(Throwable error);
    }

    /** Opens a new stream; requests before the next {@code open} go to it. */
    void open(Channel channel, Handler handler);

    /**
     * The first request for a type on a new stream: the names subscribed, the version_info last accepted
     * (SotW) and the versions held per resource (delta's initial_resource_versions).
     */
    void start(XdsResourceType type, Set<String> names, String acceptedVersion, Map<String, String> heldVersions);

    /** The subscribed names changed; {@code lastNonce} is that of the last response of this type (SotW). */
    void resubscribe(XdsResourceType type, Set<String> oldNames, Set<String> newNames, String acceptedVersion, String lastNonce);

    /**
     * The responses {@code nonces} (oldest first) were applied. State of the world answers only the latest;
     * delta answers each.
     */
    void ack(XdsResourceType type, Set<String> names, String acceptedVersion, List<String> nonces);

    /** The responses {@code nonces} were rejected; {@code acceptedVersion} is the last good one. */
    void nack(XdsResourceType type, Set<String> names, String acceptedVersion, List<String> nonces, String error);

    /** Half-closes the stream (client shutdown). */
    void close();
}

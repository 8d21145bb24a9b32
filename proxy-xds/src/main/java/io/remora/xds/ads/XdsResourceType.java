package io.remora.xds.ads;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.envoyproxy.envoy.service.runtime.v3.Runtime;

/** The xDS resource types Remora subscribes to, in Envoy's dependency order (CDS before EDS, LDS before RDS). */
public enum XdsResourceType {
    CLUSTER("type.googleapis.com/envoy.config.cluster.v3.Cluster", Cluster.class, true),
    ENDPOINT("type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment", ClusterLoadAssignment.class, false),
    LISTENER("type.googleapis.com/envoy.config.listener.v3.Listener", Listener.class, true),
    ROUTE("type.googleapis.com/envoy.config.route.v3.RouteConfiguration", RouteConfiguration.class, false),
    SECRET("type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret", Secret.class, false),
    /** RTDS: named by the bootstrap's rtds_layers, asked for from the start (Envoy's server waits for them). */
    RUNTIME("type.googleapis.com/envoy.service.runtime.v3.Runtime", Runtime.class, false),
    /** ECDS: a discovered filter's config, named as the filter (Envoy's ExtensionConfigDS). */
    EXTENSION_CONFIG("type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig", TypedExtensionConfig.class, false),
    /**
     * VHDS (delta only): virtual hosts named {@code <route config name>/<host>}, subscribed by the route
     * configuration's name (a namespace: every host under it) and by alias for on-demand lookups.
     */
    VIRTUAL_HOST("type.googleapis.com/envoy.config.route.v3.VirtualHost", VirtualHost.class, false),
    /**
     * SRDS: every ScopedRouteConfiguration of the source, subscribed without names (Envoy's ScopedRdsConfigSubscription
     * starts its subscription with none) while a connection manager's scoped_rds needs them; subscribed here as the
     * one name {@link #ALL}. Applied as soon as it comes, as a named type, while what its scopes name warms.
     */
    SCOPED_ROUTE("type.googleapis.com/envoy.config.route.v3.ScopedRouteConfiguration",
            io.envoyproxy.envoy.config.route.v3.ScopedRouteConfiguration.class, false);

    /** The subscription to every resource of a type subscribed without names (SRDS). */
    public static final String ALL = "*";

    public final String typeUrl;
    public final Class<? extends Message> messageClass;
    /**
     * Wildcard types: a state-of-the-world response is the full set, so a missing name is a removal.
     * For the others a response only carries what changed among the subscribed names.
     */
    public final boolean wildcard;

    XdsResourceType(String typeUrl, Class<? extends Message> messageClass, boolean wildcard) {
        this.typeUrl = typeUrl;
        this.messageClass = messageClass;
        this.wildcard = wildcard;
    }

    /**
     * A state-of-the-world response is every resource there is: LDS and CDS, and SRDS (its subscription's
     * onConfigUpdate removes the scopes a response leaves out).
     */
    public boolean wholeSetPerResponse() {
        return wildcard || this == SCOPED_ROUTE;
    }

    public static XdsResourceType fromTypeUrl(String typeUrl) {
        for (XdsResourceType t : values()) {
            if (t.typeUrl.equals(typeUrl)) {
                return t;
            }
        }
        return null;
    }

    /**
     * Whether a resource of this type named {@code name} is among those {@code subscribed}: by name, or for VHDS
     * also by its route configuration's namespace (the part before the last '/', as Envoy's namespace matching).
     */
    public boolean covers(java.util.Set<String> subscribed, String name) {
        if (subscribed.contains(name) || this == SCOPED_ROUTE && subscribed.contains(ALL)) {
            return true;
        }
        int slash = name.lastIndexOf('/');
        return this == VIRTUAL_HOST && slash > 0 && subscribed.contains(name.substring(0, slash));
    }

    /** Unpacks one resource, accepting an {@code envoy.service.discovery.v3.Resource} wrapper as Envoy does. */
    public Message unpack(Any any) throws InvalidProtocolBufferException {
        if (any.getTypeUrl().equals("type.googleapis.com/envoy.service.discovery.v3.Resource")) {
            return unpack(io.remora.xds.translate.GeneratedMessages.unpack(any, Resource.class).getResource());
        }
        if (!any.getTypeUrl().equals(typeUrl)) {
            throw new InvalidProtocolBufferException("resource of type " + any.getTypeUrl() + " in a " + typeUrl + " response");
        }
        return io.remora.xds.translate.GeneratedMessages.unpack(any, messageClass);
    }

    /** The resource's name: what removals, subscriptions and warming refer to. */
    public String nameOf(Message m) {
        if (m instanceof Listener l) {
            return l.getName();
        } else if (m instanceof RouteConfiguration r) {
            return r.getName();
        } else if (m instanceof Cluster c) {
            return c.getName();
        } else if (m instanceof ClusterLoadAssignment cla) {
            return cla.getClusterName();
        } else if (m instanceof Secret s) {
            return s.getName();
        } else if (m instanceof Runtime rt) {
            return rt.getName();
        } else if (m instanceof TypedExtensionConfig e) {
            return e.getName();
        } else if (m instanceof VirtualHost vh) {
            return vh.getName();
        } else if (m instanceof io.envoyproxy.envoy.config.route.v3.ScopedRouteConfiguration sr) {
            return sr.getName();
        }
        throw new IllegalArgumentException("not an xDS resource: " + m.getClass().getName());
    }

    /** Envoy's short name for logs and messages: LDS, RDS, CDS, EDS, SDS, RTDS, ECDS, VHDS, SRDS. */
    public String shortName() {
        return switch (this) {
            case CLUSTER -> "CDS";
            case ENDPOINT -> "EDS";
            case LISTENER -> "LDS";
            case ROUTE -> "RDS";
            case SECRET -> "SDS";
            case RUNTIME -> "RTDS";
            case EXTENSION_CONFIG -> "ECDS";
            case VIRTUAL_HOST -> "VHDS";
            case SCOPED_ROUTE -> "SRDS";
        };
    }
}

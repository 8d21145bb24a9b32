package io.remora.xds.ads;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One decoded response of one type: the resources it carries and the names it removes. A state-of-the-world
 * response of a wildcard type (LDS, CDS) is the full set ({@code fullState}); anything else is merged into what
 * the client holds. {@code error} is set when the response itself cannot be decoded: it is NACKed as is.
 * {@code answered} is, for VHDS, every name and alias the response speaks of, bodiless resources included
 * (Envoy's answer for an alias the server cannot resolve): the on-demand lookups it ends. {@code repeated} is, for a
 * state-of-the-world response naming a resource twice, every name in the response's order (empty otherwise): the
 * first copy is taken; for LDS and CDS each later one fails the update ({@link ResourcesRejected#message}), for the
 * named types the mux drops them, and a file holding them is refused ({@link #listed}).
 */
record XdsUpdate(XdsResourceType type, String nonce, String versionInfo, Map<String, XdsResource> resources,
                 Set<String> removed, boolean fullState, String error, Set<String> answered, List<String> repeated) {

    XdsUpdate(XdsResourceType type, String nonce, String versionInfo, Map<String, XdsResource> resources,
              Set<String> removed, boolean fullState, String error) {
        this(type, nonce, versionInfo, resources, removed, fullState, error, Set.of(), List.of());
    }

    private static final String RESOURCE_TYPE_URL = "type.googleapis.com/envoy.service.discovery.v3.Resource";

    static XdsUpdate fromSotw(DiscoveryResponse response, Instant now) {
        XdsResourceType type = XdsResourceType.fromTypeUrl(response.getTypeUrl());
        if (type == null) {
            return new XdsUpdate(null, response.getNonce(), response.getVersionInfo(), Map.of(), Set.of(), false,
                    "unsupported type URL " + response.getTypeUrl());
        }
        Map<String, XdsResource> resources = new LinkedHashMap<>();
        List<String> order = new java.util.ArrayList<>();
        for (Any any : response.getResourcesList()) {
            if (!any.getTypeUrl().equals(response.getTypeUrl()) && !any.getTypeUrl().equals(RESOURCE_TYPE_URL)) {
                // GrpcMuxImpl::onDiscoveryResponse's words
                return rejected(type, response.getNonce(), response.getVersionInfo(), any.getTypeUrl()
                        + " does not match the message-wide type URL " + response.getTypeUrl() + " in DiscoveryResponse "
                        + response);
            }
            try {
                Message m = type.unpack(any);
                String name = type.nameOf(m);
                order.add(name);
                // the first copy of a name is taken: Envoy's SotW mux keys the named types' watches by name
                // (processDiscoveryResources), LdsApiImpl/CdsApiHelper add the first and fail the others
                resources.putIfAbsent(name, new XdsResource(name, m, response.getVersionInfo(), now));
            } catch (InvalidProtocolBufferException e) {
                return rejected(type, response.getNonce(), response.getVersionInfo(), type.shortName() + " response: " + e.getMessage());
            }
        }
        return new XdsUpdate(type, response.getNonce(), response.getVersionInfo(), resources, Set.of(), type.wholeSetPerResponse(),
                null, Set.of(), order.size() > resources.size() ? List.copyOf(order) : List.of());
    }

    /**
     * How many resources the response listed, copies of a name included: what a subscription without Envoy's gRPC
     * mux in front (a path_config_source file) counts when it wants exactly one.
     */
    int listed() {
        return repeated.isEmpty() ? resources.size() : repeated.size();
    }

    static XdsUpdate fromDelta(DeltaDiscoveryResponse response, Instant now) {
        XdsResourceType type = XdsResourceType.fromTypeUrl(response.getTypeUrl());
        if (type == null) {
            return new XdsUpdate(null, response.getNonce(), response.getSystemVersionInfo(), Map.of(), Set.of(), false,
                    "unsupported type URL " + response.getTypeUrl());
        }
        Map<String, XdsResource> resources = new LinkedHashMap<>();
        Set<String> answered = new java.util.HashSet<>();
        // Envoy's DeltaSubscriptionState::handleGoodResponse refuses the whole response before any subscription sees it
        Set<String> named = new java.util.HashSet<>();
        for (Resource r : response.getResourcesList()) {
            if (!named.add(r.getName())) {
                return rejected(type, response.getNonce(), response.getSystemVersionInfo(),
                        "duplicate name " + r.getName() + " found among added/updated resources");
            }
        }
        for (String name : response.getRemovedResourcesList()) {
            if (!named.add(name)) {
                return rejected(type, response.getNonce(), response.getSystemVersionInfo(),
                        "duplicate name " + name + " found in the union of added+removed resources");
            }
        }
        for (Resource r : response.getResourcesList()) {
            if (type == XdsResourceType.VIRTUAL_HOST) {
                answered.add(r.getName());
                answered.addAll(r.getAliasesList());
            }
            if (!r.hasResource()) {
                continue; // a TTL heartbeat: the resource stays as it is
            }
            try {
                Message m = type.unpack(r.getResource());
                String name = r.getName().isEmpty() ? type.nameOf(m) : r.getName();
                resources.put(name, new XdsResource(name, m, r.getVersion(), now));
            } catch (InvalidProtocolBufferException e) {
                return rejected(type, response.getNonce(), response.getSystemVersionInfo(),
                        type.shortName() + " resource " + r.getName() + ": " + e.getMessage());
            }
        }
        return new XdsUpdate(type, response.getNonce(), response.getSystemVersionInfo(), resources,
                Set.copyOf(response.getRemovedResourcesList()), false, null, Set.copyOf(answered), List.of());
    }

    private static XdsUpdate rejected(XdsResourceType type, String nonce, String version, String error) {
        return new XdsUpdate(type, nonce, version, Map.of(), Set.of(), false, error);
    }

    /**
     * What the client holds of this type after the update: the full set for a state-of-the-world wildcard
     * response, otherwise {@code base} with the update's resources and removals. Names not subscribed are
     * dropped (a server answering an older subscription); an unchanged resource keeps its version and arrival
     * time, as Envoy's config dump shows them.
     */
    XdsSnapshot.TypeState mergeInto(XdsSnapshot.TypeState base, Set<String> subscribed) {
        Map<String, XdsResource> merged = new LinkedHashMap<>();
        if (!fullState) {
            merged.putAll(base.resources());
            removed.forEach(merged::remove);
        }
        for (XdsResource r : resources.values()) {
            if (!type.wildcard && !type.covers(subscribed, r.name())) {
                continue;
            }
            XdsResource old = base.resources().get(r.name());
            merged.put(r.name(), old != null && old.resource().equals(r.resource()) ? old : r);
        }
        return new XdsSnapshot.TypeState(versionInfo, Instant.now(), merged);
    }

    static List<String> names(Map<String, XdsResource> m) {
        return List.copyOf(m.keySet());
    }
}

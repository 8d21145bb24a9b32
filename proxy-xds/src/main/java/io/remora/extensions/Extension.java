package io.remora.extensions;

import com.google.protobuf.Descriptors.Descriptor;

import java.util.List;

/**
 * One extension Remora knows (Envoy's registered factory): its names and config types, how its
 * proto becomes an immutable config record, and the runtime that record builds. Built-in and
 * third-party extensions alike are found through {@link java.util.ServiceLoader} (a line in
 * {@code META-INF/services/io.remora.extensions.Extension}); {@link ExtensionRegistry} is the only
 * place that knows them all.
 *
 * <p>Implementations are one of {@link HttpFilterExtension}, {@link NetworkFilterExtension},
 * {@link TerminalFilterExtension}, {@link UpstreamNetworkFilterExtension} or
 * {@link UdpListenerFilterExtension}, and need a public
 * no-argument constructor.
 */
public interface Extension {

    /** The names a config may use for it, canonical first (e.g. {@code envoy.filters.http.fault}). */
    List<String> names();

    /**
     * Full names of the config messages it accepts in {@code typed_config} (e.g.
     * {@code envoy.extensions.filters.http.fault.v3.HTTPFault}); found whether they arrive as the
     * message itself or wrapped in a {@code TypedStruct}.
     */
    List<String> configTypes();

    /**
     * Whether the filter decides who may pass (RBAC, ext_authz...): such a filter is never skipped
     * silently, and a config Remora cannot honour fails rather than running without it.
     */
    default boolean enforcesAccess() {
        return false;
    }

    /**
     * Descriptors of config messages that are not in the Envoy API jar (Istio's own, say), so that
     * JSON bootstraps and xDS payloads naming them can be read.
     */
    default List<Descriptor> descriptors() {
        return List.of();
    }
}

package io.remora.extensions;

import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/**
 * A network filter that takes per-cluster options from a cluster's
 * {@code typed_extension_protocol_options} (Envoy's {@code createProtocolOptionsConfig}: the
 * redis proxy's credentials, the thrift proxy's transport and protocol). The translated options
 * reach the filter's runtime as {@code ClusterConfig.extensionProtocolOptions()} under the
 * extension's canonical name.
 */
public interface ProtocolOptionsExtension {

    /** Full names of the option messages it takes. */
    List<String> protocolOptionsTypes();

    /**
     * Validates and builds the options, an immutable value the runtime casts back.
     *
     * @throws io.remora.xds.translate.TranslationException naming the field at fault
     */
    Object protocolOptions(TypedConfig config, FieldPath path);
}

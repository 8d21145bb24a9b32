package io.remora.xds.translate;

import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.remora.config.ClientCertForwarding;

import java.util.EnumSet;

/** The HCM's {@code forward_client_cert_details} and {@code set_current_client_cert_details}. */
final class ClientCertTranslator {
    private ClientCertTranslator() {
    }

    static ClientCertForwarding translate(HttpConnectionManager h, FieldPath path) {
        ClientCertForwarding.Mode mode = switch (h.getForwardClientCertDetails()) {
            case SANITIZE -> ClientCertForwarding.Mode.SANITIZE;
            case FORWARD_ONLY -> ClientCertForwarding.Mode.FORWARD_ONLY;
            case APPEND_FORWARD -> ClientCertForwarding.Mode.APPEND_FORWARD;
            case SANITIZE_SET -> ClientCertForwarding.Mode.SANITIZE_SET;
            case ALWAYS_FORWARD_ONLY -> ClientCertForwarding.Mode.ALWAYS_FORWARD_ONLY;
            default -> throw path.field("forward_client_cert_details").error("unknown value "
                    + h.getForwardClientCertDetailsValue());
        };
        EnumSet<ClientCertForwarding.Detail> details = EnumSet.noneOf(ClientCertForwarding.Detail.class);
        if (h.hasSetCurrentClientCertDetails()) {
            var d = h.getSetCurrentClientCertDetails();
            if (d.hasSubject() && d.getSubject().getValue()) {
                details.add(ClientCertForwarding.Detail.SUBJECT);
            }
            if (d.getCert()) {
                details.add(ClientCertForwarding.Detail.CERT);
            }
            if (d.getChain()) {
                details.add(ClientCertForwarding.Detail.CHAIN);
            }
            if (d.getUri()) {
                details.add(ClientCertForwarding.Detail.URI);
            }
            if (d.getDns()) {
                details.add(ClientCertForwarding.Detail.DNS);
            }
        }
        return new ClientCertForwarding(mode, details);
    }
}

package io.remora.config;

import java.util.Set;

/**
 * The HCM's {@code forward_client_cert_details} and {@code set_current_client_cert_details}:
 * what happens to {@code x-forwarded-client-cert} on requests.
 */
public record ClientCertForwarding(Mode mode, Set<Detail> details) {
    public static final ClientCertForwarding SANITIZE = new ClientCertForwarding(Mode.SANITIZE, Set.of());

    public enum Mode { SANITIZE, FORWARD_ONLY, APPEND_FORWARD, SANITIZE_SET, ALWAYS_FORWARD_ONLY }

    /** Which fields of the current client certificate are added (By and Hash always are). */
    public enum Detail { SUBJECT, CERT, CHAIN, URI, DNS }

    public ClientCertForwarding {
        details = details == null ? Set.of() : Set.copyOf(details);
    }
}

package io.remora.xds.ads;

import java.util.Map;

/**
 * Listeners of an LDS update whose address cannot be bound. Envoy binds as LdsApiImpl::onConfigUpdate adds each
 * listener (ListenerManagerImpl::addOrUpdateListener), adds the others of the update all the same and NACKs with each
 * failed one's error: {@code Error adding/updating listener(s) <name>: cannot bind '<address>': <strerror>}, a line
 * per listener. The cycle does the same ({@link UpdateRejections#rejectUnbindable}).
 */
public final class ListenersUnbindable extends XdsRejectedException {
    private final Map<String, String> failures;

    /** @param failures Envoy's reason ({@code cannot bind '127.0.0.1:80': Address already in use}) by listener name */
    public ListenersUnbindable(Map<String, String> failures) {
        super(failures.keySet().iterator().next(), failures.values().iterator().next());
        this.failures = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(failures));
    }

    /** The listeners that cannot bind. */
    public java.util.Set<String> listeners() {
        return failures.keySet();
    }

    @Override
    public String getMessage() {
        StringBuilder sb = new StringBuilder("Error adding/updating listener(s) ");
        failures.forEach((name, reason) -> sb.append(name).append(": ").append(reason).append('\n'));
        return sb.toString();
    }
}

package io.remora.tls;

import io.remora.config.SecretConfig;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The TLS secrets of the process by name (static_resources.secrets, SDS over ADS, separate SDS
 * streams), as immutable snapshots: a writer publishes a new map with one volatile write and
 * bumps {@link #version()}, so a handshake notices a rotation with one read. Listeners (warming
 * listeners and clusters, TLS context caches) are told after each change.
 */
public final class SecretManager {
    private volatile Map<String, SecretConfig> secrets = Map.of();
    private volatile long version;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    /** Every TLS context in use (admin /certs); weak: a replaced listener's contexts drop out. */
    private final java.util.Set<TlsContextProvider> contexts =
            java.util.Collections.synchronizedSet(java.util.Collections.newSetFromMap(new java.util.WeakHashMap<>()));

    /** The secret of that name, or null when it has not arrived. */
    public SecretConfig get(String name) {
        return secrets.get(name);
    }

    public Map<String, SecretConfig> all() {
        return secrets;
    }

    /** Bumped by every change; caches compare it to know whether to look again. */
    public long version() {
        return version;
    }

    /** Adds or replaces secrets (one SDS response, the static ones). */
    public void put(List<SecretConfig> updated) {
        if (updated.isEmpty()) {
            return;
        }
        synchronized (this) {
            Map<String, SecretConfig> next = new HashMap<>(secrets);
            boolean changed = false;
            for (SecretConfig s : updated) {
                changed |= !s.equals(next.put(s.name(), s));
            }
            if (!changed) {
                return;
            }
            secrets = Collections.unmodifiableMap(next);
            version++;
        }
        notifyListeners();
    }

    /** Forgets secrets (removed by their source). Connections already made keep theirs. */
    public void remove(java.util.Collection<String> names) {
        synchronized (this) {
            Map<String, SecretConfig> next = new HashMap<>(secrets);
            if (!next.keySet().removeAll(names)) {
                return;
            }
            secrets = Collections.unmodifiableMap(next);
            version++;
        }
        notifyListeners();
    }

    void register(TlsContextProvider p) {
        contexts.add(p);
    }

    /** The TLS contexts in use, for admin {@code /certs}. */
    public List<TlsContextProvider> contexts() {
        synchronized (contexts) {
            return List.copyOf(contexts);
        }
    }

    public void addListener(Runnable r) {
        listeners.add(r);
    }

    public void removeListener(Runnable r) {
        listeners.remove(r);
    }

    private void notifyListeners() {
        for (TlsContextProvider p : contexts()) {
            p.refresh();
        }
        for (Runnable r : listeners) {
            try {
                r.run();
            } catch (RuntimeException e) {
                Logger.getLogger(SecretManager.class.getName()).log(Level.WARNING,
                        "secret listener failed", e);
            }
        }
    }
}
